#include "graph/sinkhorn.h"

#include <algorithm>
#include <cmath>

namespace matchmaker::graph {

std::vector<float> sinkhorn_scores(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                   const SinkhornSettings& settings) {
  const std::size_t num_pairs = pairs.num_pairs();
  std::vector<float> weights(num_pairs);
  // Shift by each left entity's best score before exp() so large temperatures cannot overflow.
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    float best = 0.0f;
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) best = std::max(best, scores[pair]);
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
      weights[pair] = std::exp(settings.temperature * (scores[pair] - best));
    }
  }
  std::vector<double> column_sums(pairs.num_right);
  for (int iteration = 0; iteration < settings.iterations; ++iteration) {
    std::fill(column_sums.begin(), column_sums.end(), 0.0);
    for (std::size_t pair = 0; pair < num_pairs; ++pair) column_sums[pairs.right[pair]] += weights[pair];
    for (std::size_t pair = 0; pair < num_pairs; ++pair) {
      weights[pair] = static_cast<float>(weights[pair] / std::max(column_sums[pairs.right[pair]], 1e-30));
    }
    for (std::size_t query = 0; query < pairs.num_left; ++query) {
      double row_sum = 0;
      for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) row_sum += weights[pair];
      if (row_sum <= 0) continue;
      for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
        weights[pair] = static_cast<float>(weights[pair] / row_sum);
      }
    }
  }
  return weights;
}

}  // namespace matchmaker::graph
