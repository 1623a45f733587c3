// The best rows of an inverted index for one sparse query, fast on large indexes: a first pass through
// the query's rarer terms only, then the exact dot product for the best rows it found. Shared by the
// ER blocker (tfidf_blocker) and the EL concept retriever.
//
// Why: an exhaustive pass costs the summed posting lengths of the query's terms, and common terms
// (3-grams such as " th", words such as "black") are held by a fixed share of all rows, so the cost
// grows with the square of the table size: 50,000 x 50,000 synthetic product records spent 28 s of a
// 36 s run in blocking, 200,000 x 200,000 over ten minutes. Common terms decide little about which
// rows are nearest; they still count in the exact score of the rows the rarer terms found.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "candidates/inverted_index.h"
#include "text/sparse_rows.h"

namespace matchmaker::candidates {

struct ScoredRow {
  std::uint32_t row;
  float score;
};

struct PruningOptions {
  // The first pass skips terms held by more than common_term_rows rows, except the query's
  // `rare_terms_kept` rarest terms (so that every query finds some rows). A fixed count, not a share
  // of the rows, so that a query costs at most about (its terms) x common_term_rows postings at any
  // table size. Defaults: the ER blocker's (measured in tfidf_blocker.h); the EL retriever sets its own.
  std::uint32_t common_term_rows = 1000;
  int rare_terms_kept = 4;
  // The first pass's best rows re-scored exactly on every term.
  std::size_t rows_rescored = 64;

  // No pruning: every term in the first pass, whose scores are then exact.
  static PruningOptions exhaustive() {
    return {std::numeric_limits<std::uint32_t>::max(), 0, std::numeric_limits<std::size_t>::max()};
  }
};

// One per thread: it holds a dense accumulator over the index's rows and a dense query over its terms,
// so that no query allocates.
class PrunedSearch {
 public:
  // `index` is InvertedIndex(index_vectors); both must outlive the search.
  PrunedSearch(const InvertedIndex& index, const text::SparseRows& index_vectors, const PruningOptions& options);

  // Rows with a positive score that `keep(row)` accepts: the first pass's best options.rows_rescored,
  // each with its exact dot product with the query, in no particular order. The span is valid until
  // the next call. Ties in the first pass go to the smaller row, so results do not depend on threads.
  template <typename Keep>
  std::span<const ScoredRow> search(std::span<const std::uint32_t> terms, std::span<const float> values, Keep&& keep) {
    const bool pruned = first_pass(terms, values);
    hits_.clear();
    float* const sums = accumulator_.data();
    const std::size_t limit = options_.rows_rescored;
    const auto better = [](const ScoredRow& a, const ScoredRow& b) {
      return a.score != b.score ? a.score > b.score : a.row < b.row;
    };
    // The best `limit` rows by `better` (a total order, so the set is unique), kept in a heap whose
    // front is the worst of them once it is full: a touched row costs one comparison with that front,
    // where collecting every touched row and selecting afterwards moved tens of thousands per query.
    for (std::size_t slot = 0; slot < num_touched_; ++slot) {
      const std::uint32_t row = touched_[slot];
      const float sum = sums[row];
      sums[row] = 0.0f;
      if (!(sum > 0.0f) || !keep(row)) continue;
      const ScoredRow hit{row, sum};
      if (hits_.size() < limit) {
        hits_.push_back(hit);
        if (hits_.size() == limit) std::make_heap(hits_.begin(), hits_.end(), better);
      } else if (limit > 0 && better(hit, hits_.front())) {
        std::pop_heap(hits_.begin(), hits_.end(), better);
        hits_.back() = hit;
        std::push_heap(hits_.begin(), hits_.end(), better);
      }
    }
    // When no term was skipped the first pass summed every term: its scores are already exact.
    if (pruned) rescore(terms, values);
    return hits_;
  }

 private:
  // Accumulates the first pass into accumulator_ / touched_; true when some term was skipped.
  bool first_pass(std::span<const std::uint32_t> terms, std::span<const float> values);
  void rescore(std::span<const std::uint32_t> terms, std::span<const float> values);

  const InvertedIndex& index_;
  const text::SparseRows& index_vectors_;
  PruningOptions options_;
  std::vector<float> accumulator_;
  std::vector<std::uint32_t> touched_;
  std::size_t num_touched_ = 0;
  std::vector<float> dense_query_;
  std::vector<std::uint32_t> frequencies_;
  std::vector<ScoredRow> hits_;
};

}  // namespace matchmaker::candidates
