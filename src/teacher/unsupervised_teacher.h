// The built-in teacher that needs no LLM and no network: a two-Gaussian mixture fitted, without any
// label, to similarity features of all candidate pairs (ZeroER-style). It answers a select question
// with the shown candidate of highest match probability, or "none" when that is below 0.5.
//
// Why a mixture over a handful of whole-record features: matches and non-matches form two groups in
// similarity space, and the group of matches is also the one whose pairs stand out from their
// records' other candidates (the margins). A few strong, roughly continuous features keep the
// mixture honest; the per-attribute detail is left to the student, which learns from these labels.
#pragma once

#include <optional>

#include "teacher/gaussian_mixture.h"
#include "teacher/teacher.h"

namespace matchmaker::teacher {

class UnsupervisedTeacher final : public Teacher {
 public:
  static constexpr const char* kSpec = "unsupervised";
  // Features (by name) the mixture sees.
  static const std::vector<std::string>& mixture_features();

  std::string spec() const override { return kSpec; }
  std::vector<TeacherAnswer> answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) override;

  // Match probability of every candidate pair under the mixture fitted to `problem`.
  std::vector<float> match_probabilities(const MatchProblem& problem);

 private:
  std::optional<TwoGaussianMixture> mixture_;
  std::vector<float> probabilities_;
};

}  // namespace matchmaker::teacher
