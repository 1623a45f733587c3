// A simulated teacher for benchmarks where no recorded LLM exists (EA, EL): it answers from gold and is
// wrong on a stated share of queries. Named "simulated:RATE" in every log line and metrics file, so
// that no figure it produced passes for a real LLM's. Never for matching real data: it reads gold.
#pragma once

#include <utility>

#include "teacher/teacher.h"

namespace matchmaker::teacher {

class SimulatedTeacher final : public Teacher {
 public:
  static constexpr const char* kPrefix = "simulated:";
  // `error_rate` in [0, 1]: the share of queries answered wrongly (deterministic per seed and query).
  // `gold`: (left row, right row) pairs, any order.
  SimulatedTeacher(double error_rate, std::vector<std::pair<std::uint32_t, std::uint32_t>> gold, std::uint64_t seed);

  std::string spec() const override;
  // Right: the gold candidate if shown, else none. Wrong: another shown candidate (or none when the
  // gold one is shown and it is the only candidate), chosen at random.
  std::vector<TeacherAnswer> answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) override;
  nlohmann::json report() const override;

 private:
  double error_rate_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> gold_;  // sorted
  std::uint64_t seed_;
  std::size_t asked_ = 0;
  std::size_t wrong_ = 0;
};

}  // namespace matchmaker::teacher
