#include "resolve/ranking.h"

#include <algorithm>
#include <stdexcept>

namespace matchmaker::resolve {

std::vector<RankedCandidate> rank_candidates(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                             std::size_t k) {
  if (scores.size() != pairs.num_pairs()) throw std::invalid_argument("rank_candidates: one score per pair needed");
  std::vector<RankedCandidate> ranked;
  std::vector<std::uint64_t> order;
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    order.clear();
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) order.push_back(pair);
    const std::size_t keep = std::min(k, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                      [&](std::uint64_t a, std::uint64_t b) {
                        if (scores[a] != scores[b]) return scores[a] > scores[b];
                        return pairs.right[a] < pairs.right[b];
                      });
    for (std::size_t idx = 0; idx < keep; ++idx) {
      const std::uint64_t pair = order[idx];
      ranked.push_back({pairs.left[pair], pairs.right[pair], static_cast<std::uint32_t>(idx + 1), scores[pair], pair});
    }
  }
  return ranked;
}

std::int64_t best_candidate(const candidates::CandidatePairs& pairs, std::span<const float> scores, std::size_t query) {
  std::int64_t best = -1;
  for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
    // Pairs of a query are in right order, so the first of equal scores has the lower right row.
    if (best < 0 || scores[pair] > scores[static_cast<std::uint64_t>(best)]) best = static_cast<std::int64_t>(pair);
  }
  return best;
}

}  // namespace matchmaker::resolve
