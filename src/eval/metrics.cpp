#include "eval/metrics.h"

#include <algorithm>

namespace matchmaker::eval {
namespace {

bool contains(std::span<const RowPair> sorted_pairs, RowPair pair) {
  return std::binary_search(sorted_pairs.begin(), sorted_pairs.end(), pair);
}

}  // namespace

PairMetrics pair_metrics(std::span<const resolve::Match> matches, std::span<const RowPair> gold) {
  PairMetrics metrics;
  metrics.predicted = matches.size();
  metrics.gold = gold.size();
  for (const auto& match : matches) {
    if (contains(gold, {match.left, match.right})) ++metrics.true_positives;
  }
  if (metrics.predicted > 0) metrics.precision = static_cast<double>(metrics.true_positives) / static_cast<double>(metrics.predicted);
  if (metrics.gold > 0) metrics.recall = static_cast<double>(metrics.true_positives) / static_cast<double>(metrics.gold);
  if (metrics.precision + metrics.recall > 0) {
    metrics.f1 = 2 * metrics.precision * metrics.recall / (metrics.precision + metrics.recall);
  }
  return metrics;
}

double pair_completeness(const candidates::CandidatePairs& pairs, std::span<const RowPair> gold) {
  if (gold.empty()) return 0.0;
  std::size_t found = 0;
  for (const RowPair& gold_pair : gold) {
    if (gold_pair.first >= pairs.num_left) continue;
    const auto begin = pairs.right.begin() + static_cast<std::ptrdiff_t>(pairs.query_offsets[gold_pair.first]);
    const auto end = pairs.right.begin() + static_cast<std::ptrdiff_t>(pairs.query_offsets[gold_pair.first + 1]);
    if (std::binary_search(begin, end, gold_pair.second)) ++found;
  }
  return static_cast<double>(found) / static_cast<double>(gold.size());
}

QueryAccuracy query_accuracy(std::span<const resolve::Match> matches, std::span<const RowPair> gold,
                             std::span<const std::uint32_t> query_rows, std::size_t num_left) {
  // Best predicted right row per left row (-1: none).
  std::vector<std::int64_t> best_right(num_left, -1);
  std::vector<float> best_score(num_left, 0.0f);
  for (const auto& match : matches) {
    if (best_right[match.left] < 0 || match.score > best_score[match.left]) {
      best_right[match.left] = match.right;
      best_score[match.left] = match.score;
    }
  }
  std::vector<std::uint8_t> has_gold(num_left, 0);
  for (const RowPair& gold_pair : gold) has_gold[gold_pair.first] = 1;

  QueryAccuracy result;
  for (std::uint32_t query : query_rows) {
    ++result.queries;
    const bool correct = best_right[query] < 0
                             ? !has_gold[query]
                             : contains(gold, {query, static_cast<std::uint32_t>(best_right[query])});
    if (correct) ++result.correct;
  }
  if (result.queries > 0) result.accuracy = static_cast<double>(result.correct) / static_cast<double>(result.queries);
  return result;
}

}  // namespace matchmaker::eval
