#include "text/sparse_rows.h"

#include <algorithm>

namespace matchmaker::text {

void SparseRows::append_counts(std::vector<std::uint32_t>& term_ids) {
  std::sort(term_ids.begin(), term_ids.end());
  for (std::size_t idx = 0; idx < term_ids.size();) {
    std::size_t run_end = idx;
    while (run_end < term_ids.size() && term_ids[run_end] == term_ids[idx]) ++run_end;
    terms.push_back(term_ids[idx]);
    values.push_back(static_cast<float>(run_end - idx));
    idx = run_end;
  }
  offsets.push_back(terms.size());
}

}  // namespace matchmaker::text
