// Top-k ranked candidates per query, for the tasks whose output is a ranking (EA, EL): rows of
// `left_id,right_id,rank,score`.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "candidates/candidate_pairs.h"

namespace matchmaker::resolve {

struct RankedCandidate {
  std::uint32_t left;
  std::uint32_t right;
  std::uint32_t rank;  // 1-based
  float score;
  std::uint64_t pair;  // index into the candidate pairs
};

// Each query's candidates by score, highest first (ties: lower right row first), at most `k` per query.
// Grouped by query, queries ascending. `scores`: one per candidate pair.
std::vector<RankedCandidate> rank_candidates(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                             std::size_t k);

// The candidate pair `query` ranks first by `scores` (ties: lower right row, as rank_candidates), or
// -1 if it has no candidate.
std::int64_t best_candidate(const candidates::CandidatePairs& pairs, std::span<const float> scores, std::size_t query);

}  // namespace matchmaker::resolve
