#include "candidates/pruned_search.h"

namespace matchmaker::candidates {

PrunedSearch::PrunedSearch(const InvertedIndex& index, const text::SparseRows& index_vectors, const PruningOptions& options)
    : index_(index),
      index_vectors_(index_vectors),
      options_(options),
      accumulator_(index_vectors.num_rows(), 0.0f),
      dense_query_(index.num_terms(), 0.0f) {}

bool PrunedSearch::first_pass(std::span<const std::uint32_t> terms, std::span<const float> values) {
  // The query's rare_terms_kept-th smallest term frequency is a floor: terms up to it are searched even
  // when common.
  frequencies_.clear();
  for (const std::uint32_t term : terms) frequencies_.push_back(index_.frequency(term));
  std::uint32_t floor = 0;
  if (!frequencies_.empty() && options_.rare_terms_kept > 0) {
    const std::size_t nth = std::min(static_cast<std::size_t>(options_.rare_terms_kept), frequencies_.size()) - 1;
    std::nth_element(frequencies_.begin(), frequencies_.begin() + static_cast<std::ptrdiff_t>(nth), frequencies_.end());
    floor = frequencies_[nth];
  }
  // The index is read through raw pointers so that writes to the accumulator and touched list do not
  // force the compiler to reload them in the inner loop.
  const std::uint64_t* const posting_offsets = index_.offsets.data();
  const std::uint32_t* const posting_rows = index_.rows.data();
  const float* const posting_weights = index_.weights.data();
  float* const sums = accumulator_.data();
  bool pruned = false;
  num_touched_ = 0;
  for (std::size_t idx = 0; idx < terms.size(); ++idx) {
    const std::uint32_t term = terms[idx];
    const std::uint32_t frequency = index_.frequency(term);
    if (frequency == 0) continue;
    if (frequency > options_.common_term_rows && frequency > floor) {
      pruned = true;
      continue;
    }
    const float query_weight = values[idx];
    const std::uint64_t begin = posting_offsets[term];
    const std::uint64_t end = posting_offsets[term + 1];
    // Room for every posting of this term (plus the slot a branch-free append writes past the end), so
    // the loop below appends without capacity checks.
    if (touched_.size() < num_touched_ + (end - begin) + 1) touched_.resize(num_touched_ + (end - begin) + 1);
    std::uint32_t* const touched_rows = touched_.data();
    std::size_t num_touched = num_touched_;
    for (std::uint64_t posting = begin; posting < end; ++posting) {
      const std::uint32_t row = posting_rows[posting];
      // Branch-free append: the slot is always written, but only kept when the row is new.
      float& sum = sums[row];
      touched_rows[num_touched] = row;
      num_touched += sum == 0.0f ? 1 : 0;
      sum += query_weight * posting_weights[posting];
    }
    num_touched_ = num_touched;
  }
  return pruned;
}

void PrunedSearch::rescore(std::span<const std::uint32_t> terms, std::span<const float> values) {
  const std::size_t num_terms = dense_query_.size();
  for (std::size_t idx = 0; idx < terms.size(); ++idx) {
    if (terms[idx] < num_terms) dense_query_[terms[idx]] = values[idx];
  }
  for (ScoredRow& hit : hits_) {
    const auto row_terms = index_vectors_.row_terms(hit.row);
    const auto row_values = index_vectors_.row_values(hit.row);
    float score = 0.0f;
    for (std::size_t idx = 0; idx < row_terms.size(); ++idx) score += dense_query_[row_terms[idx]] * row_values[idx];
    hit.score = score;
  }
  for (const std::uint32_t term : terms) {
    if (term < num_terms) dense_query_[term] = 0.0f;
  }
}

}  // namespace matchmaker::candidates
