// TF-IDF weighting of sparse count rows, shared by candidate generation and pair features.
#pragma once

#include <initializer_list>
#include <vector>

#include "text/sparse_rows.h"

namespace matchmaker::text {

// Smoothed idf, ln((1 + N) / (1 + df)) + 1, with N and df counted over the rows of all `corpora`
// (both tables, so that a term common on one side only still counts as common).
std::vector<float> inverse_document_frequencies(std::initializer_list<const SparseRows*> corpora,
                                                std::size_t vocabulary_size);

// Rows weighted by (1 + ln tf) * idf, with each row's L2 norm; not normalised, so that two weightings
// (words, grams) can be combined exactly.
struct WeightedRows {
  SparseRows rows;
  std::vector<float> norms;
};
WeightedRows tfidf_weight(const SparseRows& counts, const std::vector<float>& idf);

// Unit vectors over the union of word and gram terms (word id w -> 2w, gram id g -> 2g+1), the
// "word + 3-gram TF-IDF" record representation used for candidate search.
SparseRows combined_unit_vectors(const WeightedRows& words, const WeightedRows& grams);

// Dot product of two rows of sorted terms (merge join).
float sparse_dot(std::span<const std::uint32_t> terms_a, std::span<const float> values_a,
                 std::span<const std::uint32_t> terms_b, std::span<const float> values_b);

}  // namespace matchmaker::text
