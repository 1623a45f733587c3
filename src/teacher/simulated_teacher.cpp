#include "teacher/simulated_teacher.h"

#include <algorithm>
#include <fmt/format.h>
#include <random>

namespace matchmaker::teacher {

SimulatedTeacher::SimulatedTeacher(double error_rate, std::vector<std::pair<std::uint32_t, std::uint32_t>> gold,
                                   std::uint64_t seed)
    : error_rate_(error_rate), gold_(std::move(gold)), seed_(seed) {
  std::sort(gold_.begin(), gold_.end());
}

std::string SimulatedTeacher::spec() const { return fmt::format("{}{:g}", kPrefix, error_rate_); }

std::vector<TeacherAnswer> SimulatedTeacher::answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) {
  const auto& pairs = *problem.pairs;
  std::vector<TeacherAnswer> answers;
  answers.reserve(queries.size());
  for (const TeacherQuery& query : queries) {
    TeacherAnswer answer;
    answer.query = query.query;
    answer.answered = true;
    answer.confidence = 1.0f;
    int gold_position = -1;
    for (std::size_t idx = 0; idx < query.shown.size(); ++idx) {
      const std::pair<std::uint32_t, std::uint32_t> pair{pairs.left[query.shown[idx]], pairs.right[query.shown[idx]]};
      if (std::binary_search(gold_.begin(), gold_.end(), pair)) gold_position = static_cast<int>(idx);
    }
    // Each query draws from its own stream, so an answer does not depend on which queries came before.
    std::mt19937_64 random(seed_ * 0x9E3779B97F4A7C15ULL + query.query);
    const bool wrong = std::uniform_real_distribution<double>(0.0, 1.0)(random) < error_rate_;
    answer.chosen = gold_position;
    if (wrong && !query.shown.empty()) {
      // Any answer but the right one: with gold shown, the other candidates or "none"; without it, any
      // shown candidate. Either way as many options as candidates shown.
      const int options = static_cast<int>(query.shown.size());
      int pick = std::uniform_int_distribution<int>(0, options - 1)(random);
      if (gold_position >= 0) {
        if (pick == gold_position) pick = -1;  // gold's slot stands for "none"
      }
      answer.chosen = pick;
      ++wrong_;
    }
    answer.explanation = "simulated teacher (answers from gold)";
    ++asked_;
    answers.push_back(std::move(answer));
  }
  return answers;
}

nlohmann::json SimulatedTeacher::report() const {
  return {{"simulated", true}, {"error_rate", error_rate_}, {"asked", asked_}, {"answered_wrongly", wrong_}};
}

}  // namespace matchmaker::teacher
