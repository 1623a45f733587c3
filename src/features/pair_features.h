// Similarity features of every candidate pair: whole record, per aligned attribute, and the pair's
// standing among its records' other candidates. Computed in parallel, one row per candidate pair.
#pragma once

#include "candidates/candidate_pairs.h"
#include "features/feature_matrix.h"
#include "text/encoded_table.h"
#include "text/tfidf.h"

namespace matchmaker::features {

// Version of the feature set; a model trained on one set must not score another.
inline constexpr const char* kFeatureSetName = "er_pair_features_v3";

// What feature computation needs of one side, prepared once per run.
struct SideView {
  const text::EncodedTable* table;
  const text::WeightedRows* word_weights;  // tfidf_weight(table.words)
  const text::WeightedRows* gram_weights;  // tfidf_weight(table.grams)
};

struct PairFeatureOptions {
  std::size_t max_attributes = 12;       // aligned attributes used, the best-filled first
  std::size_t short_value_chars = 60;    // mean length up to which edit-based similarities are computed
  std::size_t max_edit_chars = 100;      // longer values are cut before Jaro-Winkler / Levenshtein
};

FeatureMatrix compute_pair_features(const SideView& left, const SideView& right,
                                    const text::AttributeAlignment& alignment, const std::vector<float>& word_idf,
                                    const candidates::CandidatePairs& pairs, const PairFeatureOptions& options);

}  // namespace matchmaker::features
