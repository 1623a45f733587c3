// Which queries the teacher is asked about, within a budget.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "candidates/candidate_pairs.h"

namespace matchmaker::select {

enum class SelectionStrategy {
  kBlockingMax,  // queries with the highest top candidate score (DistillER's best strategy)
  kStratified,   // equal shares from every band of top candidate score, so hard queries are seen too
  kRandom,       // uniform
};

// "blocking-max", "stratified", "random"; throws InputError listing them otherwise.
SelectionStrategy parse_selection_strategy(const std::string& name);
std::string selection_strategy_name(SelectionStrategy strategy);

// `budget` <= 1: a share of the queries that have candidates; > 1: a number of queries.
std::size_t budget_to_count(double budget, std::size_t num_queries);

// Left rows to ask about, sorted ascending. Queries without candidates are never chosen.
// Deterministic for a given seed.
std::vector<std::uint32_t> select_queries(const candidates::CandidatePairs& pairs, SelectionStrategy strategy,
                                          double budget, std::uint64_t seed);

}  // namespace matchmaker::select
