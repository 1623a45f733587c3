// Compressed sparse rows: per record, a sorted list of (term id, value). The layout every
// token-based stage shares (candidates, features), so records cost three contiguous arrays.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace matchmaker::text {

struct SparseRows {
  std::vector<std::uint64_t> offsets{0};  // row r spans [offsets[r], offsets[r+1])
  std::vector<std::uint32_t> terms;       // sorted ascending, unique within a row
  std::vector<float> values;              // parallel to terms (counts, then weights)

  std::size_t num_rows() const { return offsets.size() - 1; }
  std::span<const std::uint32_t> row_terms(std::size_t row) const {
    return {terms.data() + offsets[row], terms.data() + offsets[row + 1]};
  }
  std::span<const float> row_values(std::size_t row) const {
    return {values.data() + offsets[row], values.data() + offsets[row + 1]};
  }

  // Appends a row from unsorted term ids (duplicates allowed): terms are sorted, duplicates summed
  // into counts. Sorts `term_ids` in place (the caller's buffer, reused across calls).
  void append_counts(std::vector<std::uint32_t>& term_ids);
};

// Calls on_shared(index_in_a, index_in_b) for every term two sorted, duplicate-free term lists
// share (a merge join: linear, no allocation).
template <typename OnShared>
void for_each_shared_term(std::span<const std::uint32_t> terms_a, std::span<const std::uint32_t> terms_b,
                          OnShared&& on_shared) {
  std::size_t idx_a = 0, idx_b = 0;
  while (idx_a < terms_a.size() && idx_b < terms_b.size()) {
    if (terms_a[idx_a] < terms_b[idx_b]) {
      ++idx_a;
    } else if (terms_b[idx_b] < terms_a[idx_a]) {
      ++idx_b;
    } else {
      on_shared(idx_a++, idx_b++);
    }
  }
}

}  // namespace matchmaker::text
