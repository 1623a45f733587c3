// Several teachers, one answer: each query goes to every teacher and the answers are combined by
// majority or confidence-weighted vote. Spec: "majority:SPEC|SPEC|..." or "weighted:SPEC|SPEC|...".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "teacher/teacher.h"

namespace matchmaker::teacher {

enum class VoteRule {
  kMajority,  // one vote per teacher; ties broken by summed confidence, then by "none"
  kWeighted,  // each vote weighs the teacher's confidence
};

class VoteTeacher final : public Teacher {
 public:
  VoteTeacher(std::string spec, VoteRule rule, std::vector<std::unique_ptr<Teacher>> teachers);

  std::string spec() const override { return spec_; }
  // A query is answered when at least one teacher answered it. The winner's confidence is its share of
  // the (weighted) votes cast. A candidate counts as judged when any voting teacher judged it.
  std::vector<TeacherAnswer> answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) override;
  // A query any of its teachers can answer.
  std::vector<std::uint8_t> askable(const MatchProblem& problem) override;
  // Every teacher is asked every question: the sum of the paid ones' costs; nullopt when none is paid.
  std::optional<QuestionCost> question_cost(const MatchProblem& problem, std::span<const TeacherQuery> queries) override;
  // Agreement (share of queries where every voting teacher agreed, mean share of votes for the winner)
  // and each teacher's own report.
  nlohmann::json report() const override;

 private:
  std::string spec_;
  VoteRule rule_;
  std::vector<std::unique_ptr<Teacher>> teachers_;
  std::size_t voted_queries_ = 0;
  std::size_t unanimous_queries_ = 0;
  double winner_share_sum_ = 0.0;
};

}  // namespace matchmaker::teacher
