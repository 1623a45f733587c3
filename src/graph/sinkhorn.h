// Sinkhorn normalisation of candidate scores: alignment is one-to-one, so a KG2 entity that is the best
// candidate of many KG1 entities should count for less with each of them. Alternately dividing every
// left entity's and every right entity's candidate weights by their sum (on the sparse top-k pairs
// only) turns similarities into a near doubly-stochastic soft assignment (as in LightEA and Dual-AMN).
#pragma once

#include <span>
#include <vector>

#include "candidates/candidate_pairs.h"

namespace matchmaker::graph {

struct SinkhornSettings {
  float temperature = 20.0f;  // weights exp(temperature * score): higher = closer to a hard assignment
  int iterations = 10;
};

// One value per candidate pair, in [0, 1]; a left entity's values sum to 1 after the last (row) step.
std::vector<float> sinkhorn_scores(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                   const SinkhornSettings& settings);

}  // namespace matchmaker::graph
