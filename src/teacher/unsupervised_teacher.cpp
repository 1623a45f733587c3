#include "teacher/unsupervised_teacher.h"

#include <algorithm>
#include <cmath>

#include "matchmaker/error.h"

namespace matchmaker::teacher {

const std::vector<std::string>& UnsupervisedTeacher::mixture_features() {
  static const std::vector<std::string> kNames = {
      "record tf-idf cosine", "record word cosine", "record 3-gram cosine", "record word jaccard",
      "margin over left's next best", "margin over right's next best"};
  return kNames;
}

std::vector<float> UnsupervisedTeacher::match_probabilities(const MatchProblem& problem) {
  if (!probabilities_.empty()) return probabilities_;
  const features::FeatureMatrix& features = *problem.features;
  const candidates::CandidatePairs& pairs = *problem.pairs;
  std::vector<std::size_t> columns;
  for (const auto& name : mixture_features()) {
    const int column = features.find(name);
    if (column < 0) throw RuntimeFailure("unsupervised teacher: feature '" + name + "' is missing");
    columns.push_back(static_cast<std::size_t>(column));
  }
  const std::size_t num_dims = columns.size();
  std::vector<float> samples(pairs.num_pairs() * num_dims);
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    for (std::size_t dim = 0; dim < num_dims; ++dim) {
      const float value = features.at(pair, columns[dim]);
      samples[pair * num_dims + dim] = std::isnan(value) ? 0.0f : value;
    }
  }

  // Seeds: mutual best candidates whose score is above the median of mutual bests are likely
  // matches; everything else starts on the non-match side. EM moves both from there.
  const int mutual_column = features.find("mutual best candidate");
  std::vector<float> mutual_scores;
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    if (features.at(pair, static_cast<std::size_t>(mutual_column)) > 0) mutual_scores.push_back(pairs.score[pair]);
  }
  std::vector<std::uint8_t> seeds(pairs.num_pairs(), 0);
  if (!mutual_scores.empty()) {
    std::nth_element(mutual_scores.begin(), mutual_scores.begin() + static_cast<std::ptrdiff_t>(mutual_scores.size() / 2),
                     mutual_scores.end());
    const float median = mutual_scores[mutual_scores.size() / 2];
    for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
      seeds[pair] = features.at(pair, static_cast<std::size_t>(mutual_column)) > 0 && pairs.score[pair] >= median;
    }
  }
  const auto num_seeds = std::count(seeds.begin(), seeds.end(), 1);
  probabilities_.assign(pairs.num_pairs(), 0.0f);
  if (num_seeds == 0 || static_cast<std::size_t>(num_seeds) == pairs.num_pairs()) return probabilities_;

  mixture_.emplace();
  mixture_->fit(samples, num_dims, seeds);
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
