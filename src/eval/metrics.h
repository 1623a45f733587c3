// Quality measures against a gold standard. Only evaluation reads gold; the pipeline never does.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "candidates/candidate_pairs.h"
#include "resolve/resolve.h"

namespace matchmaker::eval {

using RowPair = std::pair<std::uint32_t, std::uint32_t>;  // (left row, right row)

struct PairMetrics {
  std::size_t predicted = 0;
  std::size_t gold = 0;
  std::size_t true_positives = 0;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

// `gold`: sorted, unique (readers guarantee it).
PairMetrics pair_metrics(std::span<const resolve::Match> matches, std::span<const RowPair> gold);
// The same over labelled pairs only (a split's test file: `positives` labelled 1, `negatives` 0, both
// sorted and unique): a match outside them is not counted.
PairMetrics labelled_pair_metrics(std::span<const resolve::Match> matches, std::span<const RowPair> positives,
                                  std::span<const RowPair> negatives);

// Share of gold pairs that are among the candidates: the ceiling on recall.
double pair_completeness(const candidates::CandidatePairs& pairs, std::span<const RowPair> gold);

struct QueryAccuracy {
  std::size_t queries = 0;
  std::size_t correct = 0;
  double accuracy = 0;
  std::vector<std::uint8_t> right;  // per query of `query_rows`, in order: 1 if right
  // Wrong above, but right under DistillER's own scorer: "none" predicted on a query whose gold
  // record DistillER's blocking did not show (`none_forgiven`).
  std::size_t forgiven_nones = 0;
  double distiller_rule_accuracy = 0;  // (correct + forgiven_nones) / queries
};

// DistillER-style query score over `query_rows` (left rows): a query is right when its best match is
// a gold match, or when it has no gold match and none is predicted. `none_forgiven` (sorted left rows)
// only feeds the lenient `distiller_rule_accuracy`.
QueryAccuracy query_accuracy(std::span<const resolve::Match> matches, std::span<const RowPair> gold,
                             std::span<const std::uint32_t> query_rows, std::size_t num_left,
                             std::span<const std::uint32_t> none_forgiven = {});

// Ranking quality (EA Hits@k / MRR, EL Acc@k): over the queries in `query_rows` (left rows; empty =
// every left row with a gold pair), the rank of the first gold right row in the query's candidates
// ordered by score (ties: lower right row first). A query whose gold is not among its candidates
// counts as a miss with reciprocal rank 0. Several gold rows per query (EL composite mentions): any
// one counts.
struct RankingMetrics {
  std::size_t queries = 0;
  double hits_at_1 = 0;
  double hits_at_5 = 0;
  double hits_at_10 = 0;
  double mrr = 0;
};
RankingMetrics ranking_metrics(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                               std::span<const RowPair> gold, std::span<const std::uint32_t> query_rows = {});

}  // namespace matchmaker::eval
