#include "candidates/inverted_index.h"

#include <algorithm>

namespace matchmaker::candidates {

InvertedIndex::InvertedIndex(const text::SparseRows& vectors) {
  std::uint32_t max_term = 0;
  for (std::uint32_t term : vectors.terms) max_term = std::max(max_term, term);
  offsets.assign(static_cast<std::size_t>(max_term) + 2, 0);
  for (std::uint32_t term : vectors.terms) ++offsets[term + 1];
  for (std::size_t term = 1; term < offsets.size(); ++term) offsets[term] += offsets[term - 1];
  rows.resize(vectors.terms.size());
  weights.resize(vectors.terms.size());
  std::vector<std::uint64_t> cursor(offsets.begin(), offsets.end() - 1);
  for (std::size_t row = 0; row < vectors.num_rows(); ++row) {
    for (std::uint64_t idx = vectors.offsets[row]; idx < vectors.offsets[row + 1]; ++idx) {
      const std::uint64_t slot = cursor[vectors.terms[idx]]++;
      rows[slot] = static_cast<std::uint32_t>(row);
      weights[slot] = vectors.values[idx];
    }
  }
}

}  // namespace matchmaker::candidates
