// Term -> (row, weight) postings of a set of sparse vectors, contiguous: the search structure of the
// ER top-k blocker and of the EL concept retriever.
#pragma once

#include <cstdint>
#include <vector>

#include "text/sparse_rows.h"

namespace matchmaker::candidates {

struct InvertedIndex {
  std::vector<std::uint64_t> offsets = {0};  // size num_terms() + 1: postings of term t are [offsets[t], offsets[t+1])
  std::vector<std::uint32_t> rows;
  std::vector<float> weights;

  InvertedIndex() = default;
  explicit InvertedIndex(const text::SparseRows& vectors);
  std::size_t num_terms() const { return offsets.size() - 1; }
  // Rows holding `term` (0 for a term past the index).
  std::uint32_t frequency(std::uint32_t term) const {
    return term < num_terms() ? static_cast<std::uint32_t>(offsets[term + 1] - offsets[term]) : 0;
  }
};

}  // namespace matchmaker::candidates
