// Pair features of the align task (EA): how much two entities' neighbourhoods and names agree, and
// where the pair stands in the one-to-one assignment. One row per candidate pair, same columns for
// the problem's pairs and for the seed pairs the student also learns from.
#pragma once

#include <span>

#include "candidates/candidate_pairs.h"
#include "features/feature_matrix.h"
#include "graph/bootstrap_aligner.h"
#include "graph/entity_adjacency.h"

namespace matchmaker::features {

struct EntityPairInputs {
  const graph::EntityViews* views = nullptr;       // the structural model's views (graph/bootstrap_aligner.h)
  bool use_names = true;                           // false: no name column (structure-only runs)
  const graph::EntityAdjacency* left = nullptr;    // for degrees
  const graph::EntityAdjacency* right = nullptr;
  std::span<const float> fused;                    // per pair: fused view score
  std::span<const float> assignment;               // per pair: Sinkhorn-normalised score
};

// Columns: per view its share of the fused score, the fused score, the assignment weight, its gap to
// the query's best, the pair's rank on each side, and the entities' degrees. Runs on all threads.
FeatureMatrix entity_pair_features(const candidates::CandidatePairs& pairs, const EntityPairInputs& inputs);

}  // namespace matchmaker::features
