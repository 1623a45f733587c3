// Features of (mention, concept) candidate pairs for the entity-linking re-ranker: how close the mention
// is to the concept's best synonym (TF-IDF over grams and words, edit similarities, word coverage both
// ways, number agreement) and how the concept stands among the mention's other candidates.
#pragma once

#include <span>
#include <string>

#include "candidates/concept_retriever.h"
#include "features/feature_matrix.h"

namespace matchmaker::features {

// Version of the feature set; a model trained on one set must not score another.
inline constexpr const char* kMentionFeatureSetName = "el_mention_features_v3";

// The queries whose candidates are described: real mentions or synonyms used as pseudo-mentions.
struct MentionQueries {
  std::span<const std::string> keys;             // retrieval keys (candidates::retrieval_key), one per query
  const candidates::QueryVectors* vectors = nullptr;  // retriever.encode(keys) or the names' own vectors
  const candidates::ConceptCandidates* candidates = nullptr;
  // Empty, or one per query: a name row that is the query itself (a synonym used as a pseudo-mention)
  // and must not count as one of its concept's names (candidates::ConceptRetriever::kNoName for none).
  std::span<const std::uint32_t> excluded_names = {};
};

// One row per candidate pair, in pair order. Runs on all OpenMP threads.
FeatureMatrix compute_mention_features(const candidates::ConceptRetriever& retriever, const MentionQueries& queries);

}  // namespace matchmaker::features
