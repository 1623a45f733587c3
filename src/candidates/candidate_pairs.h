// The output of candidate generation: the only pairs any later stage looks at.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace matchmaker::candidates {

// Candidate pairs grouped by left (query) record, sorted by (left, right), one entry per pair.
// For deduplication left and right are rows of the same table and left < right.
struct CandidatePairs {
  std::size_t num_left = 0;
  std::size_t num_right = 0;
  std::vector<std::uint32_t> left;    // size num_pairs
  std::vector<std::uint32_t> right;   // size num_pairs
  std::vector<float> score;           // blocking similarity (word + 3-gram TF-IDF cosine)
  // 1-based rank of `right` in left's top-k list and of `left` in right's top-k list; 0 = not in it.
  std::vector<std::uint16_t> rank_in_left;
  std::vector<std::uint16_t> rank_in_right;
  std::vector<std::uint64_t> query_offsets;  // size num_left + 1: pairs of left row q are [offsets[q], offsets[q+1])

  std::size_t num_pairs() const { return left.size(); }
  std::size_t query_size(std::size_t query) const { return query_offsets[query + 1] - query_offsets[query]; }
};

}  // namespace matchmaker::candidates
