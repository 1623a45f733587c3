#include "pipeline/decision_explanations.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "explain/explanation.h"
#include "matchmaker/progress.h"
#include "text/utf8.h"

namespace matchmaker::pipeline {
namespace {

constexpr std::size_t kShortRationaleChars = 120;
constexpr std::size_t kContributionsShown = 6;  // in the long form; the rest are summed

// `teacher_saw`: the teacher answered this query (in the training sample, where the student still
// decides, or on escalation).
std::string who_decided(const std::string& route, bool teacher_saw) {
  using route::Route;
  if (route == route::route_name(Route::kStudent)) {
    return teacher_saw ? "the student model (the teacher answered this query for the training sample; outside "
                         "escalation, the student decides every query)"
                       : "the student model (the teacher was not asked about this query)";
  }
  if (route == route::route_name(Route::kCandidateScore)) {
    return "the candidate scores alone (no student model: the candidate search's similarity; in align, the "
           "structural model's)";
  }
  if (route == route::route_name(Route::kTeacher)) return "the LLM teacher (the student was unsure, so the query was escalated)";
  if (route == route::route_name(Route::kSample)) return "the LLM teacher (asked while building the training sample)";
  if (route == route::route_name(Route::kTeacherFailed)) {
    return "the student model (the query was escalated, but the teacher gave no usable answer)";
  }
  if (route == route::route_name(Route::kStudentKept)) {
    return "the student model (the query was escalated; the teacher said none, which does not overrule the student's match)";
  }
  if (route == route::route_name(Route::kStudentKeptOverClaim)) {
    return "the student model (the query was escalated; the teacher named a record the student gives, more surely, to "
           "another query)";
  }
  return route;
}

// The one line an output file keeps: the teacher's rationale where the teacher decided, else the
// student's strongest contributions, else (no student) the blocking score.
std::string short_line(route::Route route, const TeacherDecision* said, const explain::PairExplanation* student_view,
                       float blocking_score) {
  const bool teacher_decided = route == route::Route::kTeacher || route == route::Route::kSample;
  if (teacher_decided && said != nullptr) {
    std::string rationale = said->explanation;
    if (rationale.size() > kShortRationaleChars) {
      rationale = std::string(text::utf8_prefix(rationale, kShortRationaleChars)) + "...";
    }
    return "teacher: " + (rationale.empty() ? std::string("(no rationale given)") : rationale);
  }
  if (student_view != nullptr) return "student: " + explain::short_form(*student_view);
  return fmt::format("blocking score {:.2f}", static_cast<double>(blocking_score));
}

}  // namespace

void explain_decisions(const teacher::MatchProblem& problem, const DistillResult& distilled,
                       std::span<const Decision> decisions, bool with_detail, const ExplanationSink& sink) {
  const candidates::CandidatePairs& pairs = *problem.pairs;

  // What the teacher said, by query (the sample and escalation ask different queries), and whether
  // the student learnt from that answer: always in the sample; on escalation when it learnt again.
  struct TeacherWord {
    const TeacherDecision* said = nullptr;
    bool student_learnt_from_it = false;
  };
  std::unordered_map<std::uint32_t, TeacherWord> teacher_said;
  for (const TeacherDecision& decision : distilled.sample_decisions) teacher_said[decision.query] = {&decision, true};
  const bool relearnt = !distilled.first_student_scores.empty();
  for (const TeacherDecision& decision : distilled.escalated_decisions) teacher_said[decision.query] = {&decision, relearnt};

  // A chunk's explanations, and the student's view of its pairs (every feature's contribution), live
  // only until the sink has taken them.
  constexpr std::size_t kDecisionsPerChunk = 4096;
  std::vector<std::uint64_t> rows;
  std::vector<explain::PairExplanation> student_views;
  std::vector<workspace::Workspace::Explanation> explanations;
  std::vector<std::string> lines;
  Progress progress("explain", decisions.size(), "decisions");
  for (std::size_t chunk_begin = 0; chunk_begin < decisions.size(); chunk_begin += kDecisionsPerChunk) {
    const auto chunk = decisions.subspan(chunk_begin, std::min(kDecisionsPerChunk, decisions.size() - chunk_begin));
    if (distilled.student) {
      rows.clear();
      for (const Decision& decision : chunk) rows.push_back(decision.pair);
      student_views = explain::explain_pairs(*distilled.student, *problem.features, rows);
    }
    explanations.clear();
    lines.clear();
    for (std::size_t idx = 0; idx < chunk.size(); ++idx) {
      const Decision& decision = chunk[idx];
      workspace::Workspace::Explanation explanation;
      explanation.left_id = std::string(problem.left->id(decision.query));
      explanation.right_id = std::string(problem.right->id(pairs.right[decision.pair]));
      explanation.decision = decision.match ? "match" : "no match";
      const route::Route route = decision.query < distilled.routes.size() ? distilled.routes[decision.query] : route::Route::kStudent;
      explanation.route = route::route_name(route);
      explanation.score = decision.score;
      explanation.detail = {{"blocking_score", pairs.score[decision.pair]}};
      const explain::PairExplanation* student_view = distilled.student ? &student_views[idx] : nullptr;
      const auto found = teacher_said.find(decision.query);
      const TeacherDecision* said = found != teacher_said.end() ? found->second.said : nullptr;
      lines.push_back(short_line(route, said, student_view, pairs.score[decision.pair]));
      if (with_detail && student_view != nullptr) {
        explanation.detail["student"] = explain::to_json(*student_view);
        explanation.detail["student"]["calibrated_probability"] = distilled.calibration.apply(student_view->probability());
        if (said != nullptr && found->second.student_learnt_from_it) explanation.detail["student"]["learnt_from_teacher"] = true;
      }
      if (with_detail && said != nullptr) {
        explanation.detail["teacher"] = {{"chose_this", said->chosen_pair == static_cast<std::int64_t>(decision.pair)},
                                         {"said_none", said->chosen_pair < 0},
                                         {"rationale", said->explanation}};
      }
      explanations.push_back(std::move(explanation));
    }
    sink({explanations, lines});
    progress.add(chunk.size());
  }
}

std::vector<Decision> decisions_of(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                   std::vector<std::uint64_t> matched_pairs) {
  std::sort(matched_pairs.begin(), matched_pairs.end());  // pairs are grouped by query
  std::vector<Decision> decisions;
  auto next_match = matched_pairs.begin();
  for (std::uint32_t query = 0; query < pairs.num_left; ++query) {
    if (pairs.query_size(query) == 0) continue;
    bool matched = false;
    for (; next_match != matched_pairs.end() && *next_match < pairs.query_offsets[query + 1]; ++next_match) {
      decisions.push_back({query, *next_match, true, scores[*next_match]});
      matched = true;
    }
    if (matched) continue;
    std::uint64_t best = pairs.query_offsets[query];
    for (std::uint64_t pair = best + 1; pair < pairs.query_offsets[query + 1]; ++pair) {
      if (scores[pair] > scores[best]) best = pair;
    }
    decisions.push_back({query, best, false, scores[best]});
  }
  return decisions;
}

std::optional<std::uint64_t> find_pair(const candidates::CandidatePairs& pairs, std::uint32_t left, std::uint32_t right) {
  const auto begin = pairs.right.begin() + static_cast<std::ptrdiff_t>(pairs.query_offsets[left]);
  const auto end = pairs.right.begin() + static_cast<std::ptrdiff_t>(pairs.query_offsets[left + 1]);
  const auto found = std::lower_bound(begin, end, right);
  if (found == end || *found != right) return std::nullopt;
  return static_cast<std::uint64_t>(found - pairs.right.begin());
}

std::vector<std::uint64_t> pairs_of(const candidates::CandidatePairs& pairs, std::span<const resolve::Match> matches) {
  std::vector<std::uint64_t> indices;
  indices.reserve(matches.size());
  for (const resolve::Match& match : matches) {
    const auto pair = find_pair(pairs, match.left, match.right);
    if (!pair) throw std::logic_error("pairs_of: a match that is no candidate pair");
    indices.push_back(*pair);
  }
  return indices;
}

std::string explanation_text(const workspace::Workspace::Explanation& explanation) {
  std::string out;
  out += fmt::format("Query \"{}\" and candidate \"{}\": {} (score {:.3f})\n", explanation.left_id, explanation.right_id,
                     explanation.decision == "match" ? "MATCH" : "NO MATCH", explanation.score);
  const nlohmann::json& detail = explanation.detail;
  // Workspaces written before the candidate-score route said "student" where no student existed.
  const bool no_student = !detail.contains("student") && explanation.route == route::route_name(route::Route::kStudent);
  out += "  Decided by: " +
         who_decided(no_student ? route::route_name(route::Route::kCandidateScore) : explanation.route,
                     detail.contains("teacher")) +
         '\n';
  if (detail.contains("student")) {
    const explain::PairExplanation student = explain::from_json(detail["student"]);
    out += fmt::format("  The student's match probability: {:.3f} (calibrated {:.3f}).", student.probability(),
                       detail["student"].value("calibrated_probability", student.probability()));
    // A student that learnt from this very answer leans towards it: say so, or the reader takes its
    // probability for an independent opinion.
    if (detail["student"].value("learnt_from_teacher", false)) {
      out += " The student learnt from the teacher's answer\n  on this query too.";
    }
    out += " What moved it, in log-odds points\n  (positive: more likely the same entity; they add up to the total):\n";
    float rest = student.other_contribution;
    std::size_t rest_count = student.other_count;
    for (std::size_t idx = 0; idx < student.contributions.size(); ++idx) {
      const auto& item = student.contributions[idx];
      if (idx < kContributionsShown) {
        out += fmt::format("    {:+7.2f}  {}\n", item.contribution, explain::describe_feature(item.feature, item.value));
      } else {
        rest += item.contribution;
        ++rest_count;
      }
    }
    if (rest_count > 0) out += fmt::format("    {:+7.2f}  {} other features together\n", rest, rest_count);
    out += fmt::format("    {:+7.2f}  starting point (the model's bias)\n", student.bias);
    out += fmt::format("    {:+7.2f}  total -> probability {:.3f}\n", student.log_odds, student.probability());
  } else {
    out += fmt::format("  Score without a student: {:.3f} (the candidate search's similarity; in align, the structural model's)\n", detail.value("blocking_score", 0.0));
  }
  if (detail.contains("teacher")) {
    const nlohmann::json& teacher = detail["teacher"];
    const std::string said = teacher.value("said_none", false) ? "none of the candidates matches"
                             : teacher.value("chose_this", false) ? "this candidate is the match"
                                                                  : "another candidate is the match";
    out += "  The teacher saw this query and said: " + said + '\n';
    const std::string rationale = teacher.value("rationale", "");
    if (!rationale.empty()) out += "  Its rationale: " + rationale + '\n';
  }
  return out;
}

}  // namespace matchmaker::pipeline
