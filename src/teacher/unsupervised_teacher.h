// The built-in teacher that needs no LLM and no network: a two-Gaussian mixture fitted, without any
// label, to content similarity of candidate pairs (in the spirit of ZeroER). Asked about a query, it
// names the shown candidate of highest match probability, or "none" when that is below 0.5.
//
// Why this design (measured on the DistillER sets D2-D6, see bench/er_distiller and the README):
// - A mixture fitted to all candidate pairs separates "top-ranked" from "the rest" (nearly every
//   lower-ranked candidate is a non-match), not match from non-match: it called almost every top
//   candidate a match, and precision fell to 0.36 on IMDB-TVDB.
// - A mixture fitted to each query's top candidate alone splits the matches in two when nearly every
//   query has one (Abt-Buy, DBLP-ACM): recall fell to 0.4.
// - So the mixture is fitted to top candidates (open) plus second-ranked candidates held fixed as
//   non-matches. A query's second candidate is its best non-match whenever the query has a match,
//   distributed like the top candidate of a query without one: it anchors the non-match component
//   on real hard non-matches.
// - Features: record cosines and Jaccard, the best and mean agreement of short attributes (is the
//   name/title the same?) and model-code overlap. Positional features (rank, margins) are left out:
//   they would tell anchors from top candidates by construction rather than by content.
// Its answers are the student's training labels; the student (XGBoost over all features) then scores
// every pair, so the mixture's coarse view only has to be right on the queries it is asked about.
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
