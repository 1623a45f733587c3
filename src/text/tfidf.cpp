#include "text/tfidf.h"

#include <cmath>

namespace matchmaker::text {

std::vector<float> inverse_document_frequencies(std::initializer_list<const SparseRows*> corpora,
                                                std::size_t vocabulary_size) {
  std::vector<std::uint32_t> document_frequency(vocabulary_size, 0);
  std::size_t num_documents = 0;
  for (const SparseRows* corpus : corpora) {
    num_documents += corpus->num_rows();
    for (std::uint32_t term : corpus->terms) ++document_frequency[term];
  }
  std::vector<float> idf(vocabulary_size);
  for (std::size_t term = 0; term < vocabulary_size; ++term) {
    idf[term] = static_cast<float>(std::log((1.0 + num_documents) / (1.0 + document_frequency[term])) + 1.0);
  }
  return idf;
}

WeightedRows tfidf_weight(const SparseRows& counts, const std::vector<float>& idf) {
  WeightedRows weighted;
  weighted.rows = counts;
  weighted.norms.resize(counts.num_rows());
  for (std::size_t row = 0; row < counts.num_rows(); ++row) {
    double squared_norm = 0;
    for (std::uint64_t idx = counts.offsets[row]; idx < counts.offsets[row + 1]; ++idx) {
      const float weight = (1.0f + std::log(counts.values[idx])) * idf[counts.terms[idx]];
      weighted.rows.values[idx] = weight;
      squared_norm += static_cast<double>(weight) * weight;
    }
    weighted.norms[row] = static_cast<float>(std::sqrt(squared_norm));
  }
  return weighted;
}

SparseRows combined_unit_vectors(const WeightedRows& words, const WeightedRows& grams) {
  SparseRows combined;
  const std::size_t num_rows = words.rows.num_rows();
  combined.terms.reserve(words.rows.terms.size() + grams.rows.terms.size());
  combined.values.reserve(combined.terms.capacity());
  combined.offsets.reserve(num_rows + 1);
  for (std::size_t row = 0; row < num_rows; ++row) {
    const double squared_norm = static_cast<double>(words.norms[row]) * words.norms[row] +
                                static_cast<double>(grams.norms[row]) * grams.norms[row];
    const float scale = squared_norm > 0 ? static_cast<float>(1.0 / std::sqrt(squared_norm)) : 0.0f;
    auto word_terms = words.rows.row_terms(row);
    auto word_values = words.rows.row_values(row);
    auto gram_terms = grams.rows.row_terms(row);
    auto gram_values = grams.rows.row_values(row);
    // Interleaved ids keep both halves sorted: merge them.
    std::size_t word_idx = 0, gram_idx = 0;
    while (word_idx < word_terms.size() || gram_idx < gram_terms.size()) {
      const std::uint64_t word_key = word_idx < word_terms.size() ? 2ull * word_terms[word_idx] : UINT64_MAX;
      const std::uint64_t gram_key = gram_idx < gram_terms.size() ? 2ull * gram_terms[gram_idx] + 1 : UINT64_MAX;
      if (word_key < gram_key) {
        combined.terms.push_back(static_cast<std::uint32_t>(word_key));
        combined.values.push_back(word_values[word_idx++] * scale);
      } else {
        combined.terms.push_back(static_cast<std::uint32_t>(gram_key));
        combined.values.push_back(gram_values[gram_idx++] * scale);
      }
    }
    combined.offsets.push_back(combined.terms.size());
  }
  return combined;
}

float sparse_dot(std::span<const std::uint32_t> terms_a, std::span<const float> values_a,
                 std::span<const std::uint32_t> terms_b, std::span<const float> values_b) {
  float dot = 0;
  for_each_shared_term(terms_a, terms_b, [&](std::size_t idx_a, std::size_t idx_b) { dot += values_a[idx_a] * values_b[idx_b]; });
  return dot;
}

}  // namespace matchmaker::text
