#include "pipeline/distill.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <unordered_set>

#include "unit/io/temp_dir.h"
#include "pipeline/decision_explanations.h"
#include "matchmaker/error.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {
namespace {

// 400 queries with 3 candidates each; candidate 0 of query q (right row 3q) is its match for the
// queries with q % 5 != 0 (or, with rare matches, q % 10 == 0); the others have none. Feature "name similarity" is high for matches, with
// noise that makes some queries hard; "noise" carries nothing.
struct SyntheticProblem {
  Table left{"left.csv", {"id", "name"}, 0};
  Table right{"right.csv", {"id", "name"}, 0};
  candidates::CandidatePairs pairs;
  features::FeatureMatrix features;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> gold;

  explicit SyntheticProblem(std::size_t num_queries = 400, bool rare_matches = false) {
    std::mt19937 random(5);
    std::normal_distribution<float> noise(0.0f, 0.15f);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    features.add_feature("name similarity", 1);
    features.add_feature("noise", 0);
    pairs.num_left = num_queries;
    pairs.num_right = num_queries * 3;
    pairs.query_offsets.push_back(0);
    for (std::uint32_t query = 0; query < num_queries; ++query) {
      left.append_row(std::vector<std::string>{"q" + std::to_string(query), "query " + std::to_string(query)});
      const bool has_match = rare_matches ? query % 10 == 0 : query % 5 != 0;
      if (has_match) gold.emplace_back(query, query * 3);
      for (std::uint32_t idx = 0; idx < 3; ++idx) {
        const std::uint32_t right_row = query * 3 + idx;
        const bool match = has_match && idx == 0;
        pairs.left.push_back(query);
        pairs.right.push_back(right_row);
        const float similarity = std::clamp((match ? 0.75f : 0.35f) + noise(random), 0.0f, 1.0f);
        pairs.score.push_back(similarity);
        pairs.rank_in_left.push_back(static_cast<std::uint16_t>(idx + 1));
        pairs.rank_in_right.push_back(1);
        features.values.push_back(similarity);
        features.values.push_back(uniform(random));
      }
      pairs.query_offsets.push_back(pairs.left.size());
    }
    for (std::uint32_t row = 0; row < num_queries * 3; ++row) {
      right.append_row(std::vector<std::string>{"r" + std::to_string(row), "record " + std::to_string(row)});
    }
    features.num_rows = pairs.num_pairs();
  }
  teacher::MatchProblem problem() const { return {&left, &right, &pairs, &features}; }
};

DistillSettings simulated_settings(const SyntheticProblem& data) {
  DistillSettings settings;
  settings.teacher = "simulated:0";
  settings.teacher_options.simulated_gold = data.gold;
  settings.teacher_budget = 0.1;
  settings.selection = select::SelectionStrategy::kRandom;
  settings.threads = 1;
  return settings;
}

std::size_t count_route(const DistillResult& result, route::Route route) {
  return static_cast<std::size_t>(std::count(result.routes.begin(), result.routes.end(), route));
}

TEST(DistillTest, StudentAloneWithoutAGoalAndSampleQueriesAnsweredOnce) {
  const SyntheticProblem data;
  StageTimer timer;
  const DistillResult result = distill(data.problem(), nullptr, simulated_settings(data), timer);
  EXPECT_EQ(result.sample_decisions.size(), 40u);  // 10% of 400
  EXPECT_EQ(result.teacher_calls, 40u);
  EXPECT_EQ(count_route(result, route::Route::kStudent), 400u);
  EXPECT_TRUE(result.escalated_decisions.empty());
  EXPECT_EQ(result.scores, result.student_scores);
  EXPECT_FALSE(result.report.contains("routing"));
}

// A run on `data` with the simulated teacher and at most `share` of the queries escalated.
DistillResult distill_escalating(const SyntheticProblem& data, double share) {
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.escalation.share = share;
  return distill(data.problem(), nullptr, settings, timer);
}

TEST(DistillTest, EscalationShareAndCallCapAreExact) {
  const SyntheticProblem data;
  const DistillResult by_share = distill_escalating(data, 0.25);
  EXPECT_EQ(count_route(by_share, route::Route::kTeacher) + count_route(by_share, route::Route::kTeacherFailed) +
                count_route(by_share, route::Route::kStudentKept) + count_route(by_share, route::Route::kStudentKeptOverClaim),
            100u);
  EXPECT_EQ(by_share.report["routing"]["escalated"], 100);
  EXPECT_EQ(by_share.teacher_calls, 140u);  // 40 sample + 100 escalated
  // An error-free teacher on learnable data: the held-out student reproduces most of its answers.
  const double agreement = by_share.report["routing"]["student_teacher_agreement"].get<double>();
  EXPECT_GT(agreement, 0.7);
  EXPECT_LE(agreement, 1.0);

  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.escalation.share = 0.25;
  settings.escalation.max_calls = 7;  // stricter than the share: it wins
  const DistillResult by_calls = distill(data.problem(), nullptr, settings, timer);
  EXPECT_EQ(by_calls.report["routing"]["escalated"], 7);
  EXPECT_EQ(by_calls.escalated_decisions.size(), 7u);

  // The escalated queries are the least certain to the first student (the one that chose them): no
  // other query the student decides has a smaller margin.
  std::vector<float> calibrated;
  for (float score : by_share.scores_without_escalation()) calibrated.push_back(by_share.calibration.apply(score));
  const auto confidences = route::query_confidences(data.pairs, calibrated, by_share.calibration.apply(0.5f));
  float highest_escalated = 0.0f, lowest_kept = 1.0f;
  std::vector<std::uint8_t> in_sample(400, 0);
  for (const TeacherDecision& decision : by_share.sample_decisions) in_sample[decision.query] = 1;
  for (std::uint32_t query = 0; query < 400; ++query) {
    if (in_sample[query]) continue;  // answered while sampling: never escalated
    if (by_share.routes[query] == route::Route::kTeacher) highest_escalated = std::max(highest_escalated, confidences[query].margin);
    if (by_share.routes[query] == route::Route::kStudent) lowest_kept = std::min(lowest_kept, confidences[query].margin);
  }
  EXPECT_LE(highest_escalated, lowest_kept + 1e-6f);
}

TEST(DistillTest, TheStudentLearnsAgainFromEscalatedAnswersAndDecidesTheRest) {
  const SyntheticProblem data;
  const DistillResult result = distill_escalating(data, 0.25);
  // 120 sample labels (40 queries x 3 candidates shown) and 300 from the 100 escalated queries.
  EXPECT_EQ(result.report["routing"]["relearnt_on"]["labelled_pairs"], 420);
  EXPECT_EQ(result.report["routing"]["relearnt_on"]["from_escalation"], 300);
  ASSERT_EQ(result.first_student_scores.size(), data.pairs.num_pairs());
  ASSERT_EQ(result.student_scores.size(), data.pairs.num_pairs());
  EXPECT_NE(result.first_student_scores, result.student_scores);
  EXPECT_EQ(result.scores_without_escalation().data(), result.first_student_scores.data());
  // The student the run keeps (model, explanations) is the second one, and it decides every query
  // the teacher did not.
  EXPECT_EQ(result.student->predict(data.features), result.student_scores);
  std::size_t decided_by_student = 0;
  for (std::uint32_t query = 0; query < 400; ++query) {
    if (result.routes[query] == route::Route::kTeacher) continue;
    for (std::uint64_t pair = data.pairs.query_offsets[query]; pair < data.pairs.query_offsets[query + 1]; ++pair) {
      ASSERT_EQ(result.scores[pair], result.student_scores[pair]) << "query " << query;
    }
    ++decided_by_student;
  }
  EXPECT_GT(decided_by_student, 250u);

  // Without escalation there is one student, and nothing to learn again from.
  StageTimer timer;
  const DistillResult alone = distill(data.problem(), nullptr, simulated_settings(data), timer);
  EXPECT_TRUE(alone.first_student_scores.empty());
  EXPECT_FALSE(alone.report.contains("routing"));
  EXPECT_EQ(alone.student_scores, result.first_student_scores);
}

TEST(DistillTest, LaterUncertaintyRoundsShowTheTeacherTheStudentsTopCandidates) {
  // The blocking ranks the match of every odd query last, while the features still tell it; the
  // teacher sees one candidate per query. The first (stratified) round follows the blocking and never
  // shows an odd query's match; later rounds follow the interim student, which does.
  SyntheticProblem data;
  for (std::uint32_t query = 1; query < 400; query += 2) data.pairs.score[data.pairs.query_offsets[query]] = 0.0f;
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.selection = select::SelectionStrategy::kUncertainty;
  settings.teacher_budget = 0.2;
  settings.teacher_candidates = 1;
  const DistillResult result = distill(data.problem(), nullptr, settings, timer);
  ASSERT_EQ(result.sample_questions.size(), 80u);
  std::size_t odd_matches_shown = 0, odd_matches_named = 0;
  for (std::size_t idx = 0; idx < result.sample_questions.size(); ++idx) {
    const auto& question = result.sample_questions[idx];
    ASSERT_EQ(question.shown.size(), 1u);
    const std::uint64_t match_pair = data.pairs.query_offsets[question.query];
    if (question.query % 2 == 0 || question.query % 5 == 0 || question.shown[0] != match_pair) continue;
    ++odd_matches_shown;
    odd_matches_named += result.sample_answers[idx].chosen == 0;
  }
  EXPECT_GT(odd_matches_shown, 5u);
  EXPECT_EQ(odd_matches_named, odd_matches_shown);  // the (error-free) teacher names a match it is shown
}

TEST(DistillTest, SampleAndEscalationAskOnlyWhatARecordingHoldsAndTakeTheirSharesOfIt) {
  // Recorded answers (all right) for the even queries only, as a replay of a benchmark's query set.
  const SyntheticProblem data;
  io::testing::TempDir dir;
  std::string responses = R"({"responses": [)";
  std::string gold = "left_id,right_id\n";
  for (const auto& [query, right_row] : data.gold) gold += "q" + std::to_string(query) + ",r" + std::to_string(right_row) + "\n";
  for (std::uint32_t query = 0; query < 400; query += 2) {
    const bool has_match = query % 5 != 0;
    if (query > 0) responses += ",";
    responses += R"({"query_id": "q)" + std::to_string(query) + R"(", "answer": ")" + (has_match ? "[1]" : "[0]") +
                 R"(", "ground_answer": )" + (has_match ? "1" : "0") + R"(, "ground_truth": ")" +
                 (has_match ? "r" + std::to_string(query * 3) : "") + R"("})";
  }
  responses += "]}";
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.teacher = "replay:" + dir.write("responses.json", responses);
  settings.teacher_options.replay_gold = dir.write("gold.csv", gold);
  settings.escalation.share = 0.25;
  for (auto selection : {select::SelectionStrategy::kRandom, select::SelectionStrategy::kUncertainty}) {
    SCOPED_TRACE(select::selection_strategy_name(selection));
    settings.selection = selection;
    const DistillResult result = distill(data.problem(), nullptr, settings, timer);
    EXPECT_EQ(result.report["teacher"]["unanswered"], 0);
    EXPECT_EQ(result.sample_decisions.size(), 20u);  // 10% of the 200 recorded queries
    for (const TeacherDecision& decision : result.sample_decisions) EXPECT_EQ(decision.query % 2, 0u);
    EXPECT_EQ(result.report["routing"]["escalated"], 50);  // 25% of them
    EXPECT_EQ(result.report["routing"]["failed"], 0);
    for (std::uint32_t query = 1; query < 400; query += 2) EXPECT_EQ(result.routes[query], route::Route::kStudent);
  }
}

TEST(DistillTest, WhereTheTeacherMostlySaysNoneLaterRoundsAlsoSpreadOverTheScoreRange) {
  // One query in ten has a match. Uncertainty alone keeps asking about the queries nearest the
  // student's boundary; with nine answers in ten "none", about 0.8 of each later round is drawn
  // across the blocking-score range, so the sample reaches the highest-scoring queries too.
  const SyntheticProblem data(400, true);
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.selection = select::SelectionStrategy::kUncertainty;
  settings.teacher_budget = 0.2;
  const DistillResult result = distill(data.problem(), nullptr, settings, timer);
  ASSERT_EQ(result.sample_questions.size(), 80u);
  std::vector<float> top_scores;
  for (std::uint32_t query = 0; query < 400; ++query) {
    float top = 0.0f;
    for (std::uint64_t pair = data.pairs.query_offsets[query]; pair < data.pairs.query_offsets[query + 1]; ++pair) {
      top = std::max(top, data.pairs.score[pair]);
    }
    top_scores.push_back(top);
  }
  std::vector<float> sorted = top_scores;
  std::sort(sorted.begin(), sorted.end());
  const float low = sorted[40], high = sorted[360];  // the bottom and top tenth
  std::size_t in_low = 0, in_high = 0;
  for (const auto& question : result.sample_questions) {
    in_low += top_scores[question.query] <= low;
    in_high += top_scores[question.query] >= high;
  }
  EXPECT_GE(in_low, 6u);
  EXPECT_GE(in_high, 6u);
}

TEST(DistillTest, ARecordingOfOtherQueriesIsAnInputError) {
  const SyntheticProblem data;
  io::testing::TempDir dir;
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.teacher = "replay:" + dir.write("responses.json", R"({"responses": [{"query_id": "elsewhere", "answer": "[1]"}]})");
  try {
    distill(data.problem(), nullptr, settings, timer);
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("none of the 400 queries"), std::string::npos) << error.what();
  }
}

TEST(DistillTest, EscalatedTeacherAnswersDecideTheirQueries) {
  const SyntheticProblem data;
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.escalation.share = 0.5;
  const DistillResult result = distill(data.problem(), nullptr, settings, timer);
  ASSERT_FALSE(result.escalated_decisions.empty());
  for (const TeacherDecision& decision : result.escalated_decisions) {
    if (result.routes[decision.query] != route::Route::kTeacher) continue;
    if (decision.chosen_pair >= 0) {
      EXPECT_EQ(result.scores[static_cast<std::size_t>(decision.chosen_pair)], 1.0f);
    } else {
      for (std::uint64_t pair = data.pairs.query_offsets[decision.query]; pair < data.pairs.query_offsets[decision.query + 1]; ++pair) {
        EXPECT_LT(result.scores[pair], 0.011f);
      }
    }
  }
}

TEST(DistillTest, TargetPrecisionEscalatesMoreForAStricterTarget) {
  const SyntheticProblem data;
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.escalation.target_precision = 0.8;
  const std::size_t loose = distill(data.problem(), nullptr, settings, timer).report["routing"]["escalated"];
  settings.escalation.target_precision = 1.0;
  const std::size_t strict = distill(data.problem(), nullptr, settings, timer).report["routing"]["escalated"];
  EXPECT_LE(loose, strict);
  EXPECT_GT(strict, 0u);
}

TEST(DistillTest, AFailingEscalationTeacherLeavesTheStudentsDecisionsAndIsReported) {
  const SyntheticProblem data;
  io::testing::TempDir dir;
  auto cache = workspace::Workspace::open((dir.path() / "ws.db").string());
  ::setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", 1);  // the discard port: nothing listens
  ::setenv("OPENAI_API_KEY", "test-key", 1);
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.escalation.max_calls = 5;
  settings.escalation_teacher = "openai:nobody";
  settings.teacher_options.cache = &cache;
  settings.teacher_options.max_retries = 0;
  settings.teacher_options.timeout_seconds = 2;
  const DistillResult result = distill(data.problem(), nullptr, settings, timer);
  EXPECT_EQ(count_route(result, route::Route::kTeacherFailed), 5u);
  EXPECT_EQ(result.report["routing"]["failed"], 5);
  EXPECT_TRUE(result.report["routing"].contains("teacher_error"));
  EXPECT_EQ(result.scores, result.student_scores);  // nothing changed
}

// A dry run plans the LLM's questions and stops before the first: nothing is asked (the endpoint is
// the discard port, where a call would fail the run), nothing stored, no student.
TEST(DistillTest, ADryRunPlansTheQuestionsAndTheirCostAndAsksNone) {
  const SyntheticProblem data;
  io::testing::TempDir dir;
  auto cache = workspace::Workspace::open((dir.path() / "ws.db").string());
  ::setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", 1);
  ::setenv("OPENAI_API_KEY", "test-key", 1);
  const auto plan_of = [&](const std::string& teacher, int candidates) {
    DistillSettings settings = simulated_settings(data);
    settings.teacher = teacher;
    settings.teacher_options.cache = &cache;
    settings.teacher_options.usd_per_million_prompt_tokens = 1.0;
    settings.teacher_options.usd_per_million_completion_tokens = 2.0;
    settings.teacher_options.max_usd = 3.0;
    settings.teacher_candidates = candidates;
    settings.escalation.share = 0.25;
    settings.dry_run = true;
    StageTimer timer;
    const DistillResult result = distill(data.problem(), nullptr, settings, timer);
    EXPECT_TRUE(result.stopped_before_training);
    EXPECT_EQ(result.student, nullptr);
    EXPECT_EQ(result.teacher_calls, 0u);
    return result.report.at("plan");
  };
  const nlohmann::json plan = plan_of("openai:m", 3);
  EXPECT_EQ(plan["answerable_queries"], 400);
  EXPECT_EQ(plan["sample_questions"], 40);                  // 10% of 400
  EXPECT_EQ(plan["escalation"]["questions_max"], 100);      // 25% of 400, none of them in the sample
  EXPECT_EQ(plan["questions_max"], 140);
  EXPECT_EQ(plan["caps"]["max_usd"], 3.0);
  const nlohmann::json& cost = plan["sample_question_cost"];
  EXPECT_EQ(cost["questions_measured"], 200);
  EXPECT_EQ(cost["completion_tokens_max"], 400);            // the answer's token limit
  const double prompt_tokens = cost["prompt_tokens"].get<double>();
  EXPECT_GT(prompt_tokens, 100.0);                          // the instructions alone are longer
  EXPECT_NEAR(cost["usd_max"].get<double>(), (prompt_tokens * 1.0 + 400 * 2.0) / 1e6, 1e-12);
  EXPECT_NEAR(plan["prompt_tokens_max"].get<double>(), 140 * prompt_tokens, 1e-6);
  EXPECT_NEAR(plan["usd_max"].get<double>(), 140 * cost["usd_max"].get<double>(), 1e-9);
  // One candidate shown instead of three: shorter prompts. Two LLMs voting: each asked, both paid.
  EXPECT_LT(plan_of("openai:m", 1)["sample_question_cost"]["prompt_tokens"].get<double>(), prompt_tokens);
  EXPECT_NEAR(plan_of("majority:openai:m|openai:m", 3)["sample_question_cost"]["prompt_tokens"].get<double>(),
              2 * prompt_tokens, 1e-6);
  EXPECT_EQ(cache.count_answers("openai:m"), 0u);
}

// Free teachers are planned too (counts, nothing to pay), and a plan without a dry run asks as before.
TEST(DistillTest, AFreeTeachersPlanHasCountsAndNoCost) {
  const SyntheticProblem data;
  DistillSettings settings = simulated_settings(data);
  settings.dry_run = true;
  StageTimer timer;
  const DistillResult planned = distill(data.problem(), nullptr, settings, timer);
  EXPECT_TRUE(planned.stopped_before_training);
  EXPECT_EQ(planned.report["plan"]["sample_questions"], 40);
  EXPECT_TRUE(planned.report["plan"]["sample_question_cost"].is_null());
  EXPECT_TRUE(planned.report["plan"]["usd_max"].is_null());
  settings.dry_run = false;
  const DistillResult run = distill(data.problem(), nullptr, settings, timer);
  EXPECT_FALSE(run.stopped_before_training);
  EXPECT_FALSE(run.report.contains("plan"));  // logged and reported only for a paid teacher or a dry run
  EXPECT_EQ(run.teacher_calls, 40u);
}

TEST(DistillTest, ExplanationsAreDeterministicAndSumToTheStudentsLogOdds) {
  const SyntheticProblem data;
  StageTimer timer;
  DistillSettings settings = simulated_settings(data);
  settings.escalation.share = 0.1;
  const DistillResult first = distill(data.problem(), nullptr, settings, timer);
  const DistillResult second = distill(data.problem(), nullptr, settings, timer);
  std::vector<std::uint64_t> matched;
  for (std::uint32_t query = 0; query < 400; ++query) {
    if (query % 3 == 0) matched.push_back(data.pairs.query_offsets[query]);
  }
  const auto decisions = decisions_of(data.pairs, first.scores, matched);
  EXPECT_EQ(decisions.size(), 400u);  // one per query: a match, or the best candidate as "no match"
  // Handed over in chunks (4,096 decisions each), in decision order, each with its output line; the
  // lines do not depend on whether the detail is built.
  std::vector<std::string> lines_without_detail;
  explain_decisions(data.problem(), first, decisions, false, [&](const ExplainedChunk& chunk) {
    for (const auto& explanation : chunk.explanations) EXPECT_FALSE(explanation.detail.contains("student"));
    lines_without_detail.insert(lines_without_detail.end(), chunk.lines.begin(), chunk.lines.end());
  });
  std::vector<std::string> lines;
  auto explain_all = [&](const DistillResult& distilled) {
    std::vector<workspace::Workspace::Explanation> all;
    std::size_t chunks = 0;
    lines.clear();
    explain_decisions(data.problem(), distilled, decisions, true, [&](const ExplainedChunk& chunk) {
      EXPECT_LE(chunk.explanations.size(), 4096u);
      EXPECT_EQ(chunk.lines.size(), chunk.explanations.size());
      all.insert(all.end(), chunk.explanations.begin(), chunk.explanations.end());
      lines.insert(lines.end(), chunk.lines.begin(), chunk.lines.end());
      ++chunks;
    });
    EXPECT_EQ(chunks, 1u);
    return all;
  };
  const auto a = explain_all(first);
  const auto b = explain_all(second);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t idx = 0; idx < a.size(); ++idx) {
    EXPECT_EQ(a[idx].detail, b[idx].detail);
    EXPECT_EQ(a[idx].route, b[idx].route);
    const auto& student = a[idx].detail["student"];
    double sum = student["bias"].get<double>();
    for (const auto& item : student["contributions"]) sum += item["contribution"].get<double>();
    if (student.contains("other_features")) sum += student["other_features"]["contribution"].get<double>();
    const double probability = first.student_scores[decisions[idx].pair];
    EXPECT_NEAR(sum, std::log(probability / (1 - probability)), 1e-3);
  }
  EXPECT_EQ(a[0].decision, "match");
  EXPECT_EQ(a[0].left_id, "q0");
  EXPECT_EQ(lines, lines_without_detail);
  ASSERT_EQ(lines.size(), a.size());
  for (std::size_t idx = 0; idx < a.size(); ++idx) {
    // A student line names its strongest contributions; a teacher line (escalated or sampled) its rationale.
    const bool teacher_line = lines[idx].rfind("teacher: ", 0) == 0;
    EXPECT_TRUE(teacher_line || lines[idx].rfind("student: ", 0) == 0) << lines[idx];
    if (teacher_line) {
      EXPECT_TRUE(a[idx].route == "teacher" || a[idx].route == "sample") << a[idx].route;
    } else {
      const std::string strongest = a[idx].detail["student"]["contributions"][0]["text"].get<std::string>();
      EXPECT_NE(lines[idx].find(strongest), std::string::npos) << lines[idx];
    }
  }
  // The student learnt from every answer the teacher gave (the sample's, and the escalated ones once
  // it learnt again), and the long form says so where it explains such a query.
  ASSERT_FALSE(first.first_student_scores.empty());
  std::unordered_set<std::uint32_t> asked;
  for (const auto* list : {&first.sample_decisions, &first.escalated_decisions}) {
    for (const TeacherDecision& decision : *list) asked.insert(decision.query);
  }
  std::size_t said_so = 0;
  for (std::size_t idx = 0; idx < a.size(); ++idx) {
    const bool learnt = asked.count(decisions[idx].query) > 0;
    EXPECT_EQ(a[idx].detail["student"].value("learnt_from_teacher", false), learnt) << idx;
    const std::string text = explanation_text(a[idx]);
    EXPECT_EQ(text.find("The student learnt from the teacher's answer") != std::string::npos, learnt) << text;
    EXPECT_NE(text.find("What moved it"), std::string::npos) << text;
    // A query the teacher answered for the sample, which the student then decided, is not one "the
    // teacher was not asked about" (explain said both at once).
    if (a[idx].route == "student") {
      EXPECT_EQ(text.find("the teacher was not asked") == std::string::npos, learnt) << text;
      EXPECT_EQ(text.find("the teacher answered this query for the training sample;") != std::string::npos, learnt) << text;
    }
    said_so += learnt;
  }
  EXPECT_EQ(said_so, 80u);  // 40 sample queries and 40 escalated (10% of 400 each)
}

}  // namespace
}  // namespace matchmaker::pipeline
