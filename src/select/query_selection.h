// Which queries the teacher is asked about, within a budget.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "candidates/candidate_pairs.h"
#include "features/feature_matrix.h"

namespace matchmaker::select {

enum class SelectionStrategy {
  kBlockingMax,  // queries with the highest top candidate score (DistillER's best strategy)
  kStratified,   // equal shares from every band of top candidate score, so hard queries are seen too
  kRandom,       // uniform
  // DistillER's Blocking-Top2: the queries whose candidate list is most decisive. A query's gap is
  // its top-1 blocking score minus its top-2 blocking score; a query with a single candidate has no
  // runner-up, so its gap is its top score (the missing second candidate counts as score 0). Largest
  // gap first, ties by row. Candidates with equal top scores give gap 0.
  kBlockingTop2,
  // k-center greedy over feature vectors, so the teacher sees every region of the feature space, not
  // one corner. A query is represented by the FeatureMatrix row of its top candidate (highest blocking
  // score, the first such pair on ties); missing or non-finite values count as 0, then each feature is
  // scaled to [0, 1] by its min and max over those rows (a constant feature becomes 0). Starts from the
  // query with the highest top score, then repeatedly adds the query farthest (Euclidean) from the
  // queries chosen so far; ties by row.
  kDiversity,
  // Smallest student margin first. Needs a trained student, so it is not done by select_queries: the
  // pipeline calls select_uncertain in rounds.
  kUncertainty,
};

// "blocking-max", "stratified", "random", "blocking-top2", "diversity", "uncertainty"; throws
// InputError listing them otherwise.
SelectionStrategy parse_selection_strategy(const std::string& name);
std::string selection_strategy_name(SelectionStrategy strategy);

// `budget` <= 1: a share of the queries that have candidates (at least one when positive); > 1: a number
// of queries.
std::size_t budget_to_count(double budget, std::size_t num_queries);

// Left rows to ask about, sorted ascending; exactly budget_to_count(budget, queries with candidates)
// of them. Queries without candidates are never chosen, nor those `askable` marks 0 (empty: all are
// askable); the budget is then a share of the askable queries with candidates. Deterministic for a given seed (only random
// and stratified draw from it; the others are deterministic without it).
// `features` (one row per candidate pair) is needed by kDiversity only and ignored by the others.
// Throws std::invalid_argument for kDiversity without features or with a row count other than
// pairs.num_pairs(), and for kUncertainty (use select_uncertain).
std::vector<std::uint32_t> select_queries(const candidates::CandidatePairs& pairs, SelectionStrategy strategy,
                                          double budget, std::uint64_t seed,
                                          const features::FeatureMatrix* features = nullptr,
                                          std::span<const std::uint8_t> askable = {});

// One round of uncertainty selection: up to `count` left rows that have candidates and are not in
// `already_selected`, those the student is least sure about first; returned sorted ascending. Fewer
// than `count` only when fewer such queries remain. Deterministic (ties by row).
//
// Two measures of how unsure the student is, both in [0, 1] (0: torn, 1: certain):
// - candidate margin: the best candidate probability minus the second best. A query with a single
//   candidate has no second candidate to confuse it with; its alternative is "no match", with
//   probability 1 - p, so its margin is |p - (1 - p)| = 2 * |p - 0.5|. Small also when every
//   candidate is unlikely: such a query may hold a match the student cannot see yet.
// - decision margin: "no match" joins the candidates with probability 1 - best, and the margin is
//   between the top two of them: best >= 0.5: min(best - second, 2 * best - 1); otherwise
//   1 - 2 * best. Large when every candidate is unlikely: the student is sure of "none". The cut is
//   0.5, not the run's decision threshold (0.25 after these samples): the interim students that pick
//   the queries are trained without the final student's 3x weight on positives.
// The first round(decision_margin_share * count) rows are those of smallest decision margin, the
// rest those of smallest candidate margin among the others. Which pays depends on how common matches
// are: where most queries have one (Abt-Buy), a query nothing scores well on is often a match the
// student misses; where most have none (IMDB-TVDB persons), asking about it is wasted.
//
// `probabilities`: the student's match probability per candidate pair (size pairs.num_pairs()), each
// in [0, 1]. `already_selected`: left rows labelled in earlier rounds, any order. `askable`: as in
// select_queries.
// Throws std::invalid_argument on a size mismatch, a probability outside [0, 1] (NaN included), an
// already-selected row >= pairs.num_left or a share outside [0, 1].
std::vector<std::uint32_t> select_uncertain(const candidates::CandidatePairs& pairs,
                                            std::span<const float> probabilities,
                                            std::span<const std::uint32_t> already_selected, std::size_t count,
                                            std::span<const std::uint8_t> askable = {},
                                            double decision_margin_share = 0.0);

// Queries with candidates that `askable` allows (empty: all of them).
std::size_t count_askable_queries(const candidates::CandidatePairs& pairs, std::span<const std::uint8_t> askable);

}  // namespace matchmaker::select
