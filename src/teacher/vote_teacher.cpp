#include "teacher/vote_teacher.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "matchmaker/error.h"

namespace matchmaker::teacher {

VoteTeacher::VoteTeacher(std::string spec, VoteRule rule, std::vector<std::unique_ptr<Teacher>> teachers)
    : spec_(std::move(spec)), rule_(rule), teachers_(std::move(teachers)) {
  if (teachers_.size() < 2) throw InputError(spec_ + ": a vote needs at least two teachers (SPEC|SPEC...)");
}

std::vector<std::uint8_t> VoteTeacher::askable(const MatchProblem& problem) {
  std::vector<std::uint8_t> any;
  for (const auto& teacher : teachers_) {
    std::vector<std::uint8_t> mask = teacher->askable(problem);
    if (mask.empty()) return {};  // this one answers every query
    if (any.empty()) any.assign(mask.size(), 0);
    for (std::size_t row = 0; row < mask.size(); ++row) any[row] |= mask[row];
  }
  return any;
}

std::vector<TeacherAnswer> VoteTeacher::answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) {
  std::vector<std::vector<TeacherAnswer>> all_answers;
  all_answers.reserve(teachers_.size());
  for (const auto& teacher : teachers_) all_answers.push_back(teacher->answer(problem, queries));

  std::vector<TeacherAnswer> combined(queries.size());
  for (std::size_t idx = 0; idx < queries.size(); ++idx) {
    TeacherAnswer& result = combined[idx];
    result.query = queries[idx].query;
    // choice (-1 = none) -> (votes, summed confidence)
    std::map<int, std::pair<double, double>> tally;
    double total_votes = 0.0;
    std::size_t voters = 0;
    std::vector<std::uint8_t> judged(queries[idx].shown.size(), 0);
    for (const auto& answers : all_answers) {
      const TeacherAnswer& answer = answers[idx];
      if (!answer.answered) continue;
      ++voters;
      const double weight = rule_ == VoteRule::kWeighted ? answer.confidence : 1.0;
      tally[answer.chosen].first += weight;
      tally[answer.chosen].second += answer.confidence;
      total_votes += weight;
      for (std::size_t shown_idx = 0; shown_idx < judged.size(); ++shown_idx) {
        judged[shown_idx] |= answer.judged.empty() || answer.judged[shown_idx];
      }
      if (!answer.explanation.empty()) {
        if (!result.explanation.empty()) result.explanation += " | ";
        result.explanation += answer.explanation;
      }
    }
    if (voters == 0) continue;
    // Most votes; then most confidence; then "none" (-1 sorts first, and only a strictly better
    // choice replaces it): when teachers split evenly, no label is safer than a wrong one.
    int winner = tally.begin()->first;
    for (const auto& [choice, score] : tally) {
      const auto& best = tally[winner];
      if (score.first > best.first || (score.first == best.first && score.second > best.second)) winner = choice;
    }
    result.answered = true;
    result.chosen = winner;
    const double winner_votes = tally[winner].first;
    result.confidence = total_votes > 0 ? static_cast<float>(winner_votes / total_votes) : 0.0f;
    bool judged_all = true;
    for (std::uint8_t flag : judged) judged_all = judged_all && flag;
    if (!judged_all) result.judged = std::move(judged);
    ++voted_queries_;
    unanimous_queries_ += tally.size() == 1;
    winner_share_sum_ += result.confidence;
  }
  return combined;
}

std::optional<QuestionCost> VoteTeacher::question_cost(const MatchProblem& problem, std::span<const TeacherQuery> queries) {
  std::optional<QuestionCost> total;
  for (const auto& teacher : teachers_) {
    const auto cost = teacher->question_cost(problem, queries);
    if (!cost) continue;
    if (!total) total = QuestionCost{};
    total->prompt_tokens += cost->prompt_tokens;
    total->completion_tokens += cost->completion_tokens;
    total->usd += cost->usd;
    total->priced = total->priced || cost->priced;
    total->questions_measured = std::max(total->questions_measured, cost->questions_measured);
  }
  return total;
}

nlohmann::json VoteTeacher::report() const {
  nlohmann::json teachers = nlohmann::json::array();
  for (const auto& teacher : teachers_) teachers.push_back({{"spec", teacher->spec()}, {"report", teacher->report()}});
  const double voted = static_cast<double>(voted_queries_);
  nlohmann::json report = {{"rule", rule_ == VoteRule::kMajority ? "majority" : "weighted"},
                           {"voted_queries", voted_queries_},
                           {"unanimous_share", voted_queries_ > 0 ? static_cast<double>(unanimous_queries_) / voted : 0.0},
                           {"mean_winner_share", voted_queries_ > 0 ? winner_share_sum_ / voted : 0.0},
                           {"teachers", teachers}};
  // What the members paid, summed, under the keys a single LLM teacher reports: the run's call count
  // read the vote's questions instead (30 for 90 requests; 40 for a re-run from the cache).
  // Only the keys some member reports (a vote of recordings pays nothing and reports none).
  for (const char* key : {"called", "exported", "prompt_tokens", "completion_tokens", "usd"}) {
    double sum = 0;
    bool reported = false;
    for (const auto& member : teachers) {
      const nlohmann::json& member_report = member["report"];
      if (!member_report.contains(key) || !member_report[key].is_number()) continue;
      sum += member_report[key].get<double>();
      reported = true;
    }
    if (!reported) continue;
    report[key] = std::string_view(key) == "usd" ? nlohmann::json(sum) : nlohmann::json(static_cast<std::int64_t>(sum));
  }
  return report;
}

}  // namespace matchmaker::teacher
