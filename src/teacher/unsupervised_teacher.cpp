#include "teacher/unsupervised_teacher.h"

#include <algorithm>
#include <cmath>

#include "matchmaker/error.h"

namespace matchmaker::teacher {

const std::vector<std::string>& UnsupervisedTeacher::mixture_features() {
  // Content only: how alike two records are. Positional features (rank, margins) would tell the
  // anchor pairs (second-ranked, see below) from top candidates by construction, not by content.
  static const std::vector<std::string> kNames = {"record tf-idf cosine", "record word cosine", "record 3-gram cosine",
                                                  "record word jaccard", "best attribute agreement",
                                                  "mean attribute agreement", "model code overlap"};
  return kNames;
}

std::vector<float> UnsupervisedTeacher::match_probabilities(const MatchProblem& problem) {
  if (!probabilities_.empty()) return probabilities_;
  const features::FeatureMatrix& features = *problem.features;
  const candidates::CandidatePairs& pairs = *problem.pairs;
  probabilities_.assign(pairs.num_pairs(), 0.0f);

  std::vector<std::size_t> columns;
  for (const auto& name : mixture_features()) {
    const int column = features.find(name);
    if (column < 0) throw RuntimeFailure("unsupervised teacher: feature '" + name + "' is missing");
    columns.push_back(static_cast<std::size_t>(column));
  }
  const std::size_t num_dims = columns.size();
  // Missing (no attribute filled on both sides) counts as no agreement.
  std::vector<float> samples(pairs.num_pairs() * num_dims);
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    for (std::size_t dim = 0; dim < num_dims; ++dim) {
      const float value = features.at(pair, columns[dim]);
      samples[pair * num_dims + dim] = std::isnan(value) ? 0.0f : value;
    }
  }

  // What the mixture is fitted to:
  // - every query's top candidate, whose label is open: the question a teacher answers is whether
  //   that candidate is a match;
  // - every query's second candidate as a known non-match. When a query has a match, its second
  //   candidate is its best non-match — distributed like the top candidate of a query that has no
  //   match. This anchors the non-match component on real hard non-matches, so the mixture does not
  //   split the matches into "very similar" and "similar" when nearly every query has a match
  //   (and does not call a top candidate a match merely for being on top when few queries have one).
  // Seeds: top candidates that are also their partner's top candidate (mutual best) and score above
  // the median of such pairs start as matches.
  const auto rank_column = static_cast<std::size_t>(features.find("rank among left's candidates"));
  const auto mutual_column = static_cast<std::size_t>(features.find("mutual best candidate"));
  std::vector<float> mutual_scores;
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    if (features.at(pair, mutual_column) > 0) mutual_scores.push_back(pairs.score[pair]);
  }
  if (mutual_scores.empty()) return probabilities_;
  const auto middle = mutual_scores.begin() + static_cast<std::ptrdiff_t>(mutual_scores.size() / 2);
  std::nth_element(mutual_scores.begin(), middle, mutual_scores.end());
  const float median_mutual_score = *middle;

  std::vector<float> fit_samples;
  std::vector<TwoGaussianMixture::Seed> seeds;
  std::size_t match_seeds = 0, non_match_seeds = 0;
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    const float rank = features.at(pair, rank_column);
    TwoGaussianMixture::Seed seed;
    if (rank == 1.0f) {
      const bool likely = features.at(pair, mutual_column) > 0 && pairs.score[pair] >= median_mutual_score;
      seed = likely ? TwoGaussianMixture::Seed::kMatch : TwoGaussianMixture::Seed::kNonMatch;
    } else if (rank == 2.0f) {
      seed = TwoGaussianMixture::Seed::kKnownNonMatch;
    } else {
      continue;
    }
    match_seeds += seed == TwoGaussianMixture::Seed::kMatch;
    non_match_seeds += seed != TwoGaussianMixture::Seed::kMatch;
    seeds.push_back(seed);
    fit_samples.insert(fit_samples.end(), samples.begin() + static_cast<std::ptrdiff_t>(pair * num_dims),
                       samples.begin() + static_cast<std::ptrdiff_t>((pair + 1) * num_dims));
  }
  if (match_seeds == 0 || non_match_seeds == 0) return probabilities_;

  mixture_.emplace();
  mixture_->fit(fit_samples, num_dims, seeds);
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    probabilities_[pair] = static_cast<float>(mixture_->match_probability(samples.data() + pair * num_dims));
  }
  return probabilities_;
}

std::vector<TeacherAnswer> UnsupervisedTeacher::answer(const MatchProblem& problem,
                                                       std::span<const TeacherQuery> queries) {
  const std::vector<float> probabilities = match_probabilities(problem);
  std::vector<TeacherAnswer> answers;
  answers.reserve(queries.size());
  for (const TeacherQuery& query : queries) {
    TeacherAnswer answer;
    answer.query = query.query;
    answer.answered = true;
    float best_probability = 0.0f;
    int best_index = -1;
    for (std::size_t shown_idx = 0; shown_idx < query.shown.size(); ++shown_idx) {
      const float probability = probabilities[query.shown[shown_idx]];
      if (probability > best_probability) {
        best_probability = probability;
        best_index = static_cast<int>(shown_idx);
      }
    }
    if (best_probability >= 0.5f) {
      answer.chosen = best_index;
      answer.confidence = best_probability;
      answer.explanation = "mixture match probability " + std::to_string(best_probability);
    } else {
      answer.confidence = 1.0f - best_probability;
      answer.explanation = "no candidate reaches match probability 0.5 (best " + std::to_string(best_probability) + ")";
    }
    answers.push_back(std::move(answer));
  }
  return answers;
}

}  // namespace matchmaker::teacher
