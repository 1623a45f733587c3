// From scored candidate pairs to decisions: which pairs are matches.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "candidates/candidate_pairs.h"

namespace matchmaker::resolve {

struct Match {
  std::uint32_t left;
  std::uint32_t right;
  float score;
  std::uint32_t cluster = 0;  // connected components only: the cluster's smallest row
};

enum class ResolveMethod {
  kBestMatch,            // each query's best candidate, if its score reaches the threshold ("none" otherwise)
  kUniqueMapping,        // one-to-one: each record matched at most once, the summed log-odds of the
                         // matches over the threshold's as large as possible (exact within groups of
                         // competing pairs up to 64 records a side, greedy by score beyond)
  kConnectedComponents,  // deduplication: pairs above the threshold, closed transitively into clusters
};

// "best-match", "unique-mapping", "connected-components"; throws InputError listing them otherwise.
ResolveMethod parse_resolve_method(const std::string& name);
std::string resolve_method_name(ResolveMethod method);

// `scores`: one per candidate pair. Results sorted by (left, right).
std::vector<Match> resolve_matches(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                   ResolveMethod method, float threshold);

}  // namespace matchmaker::resolve
