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

PairMetrics labelled_pair_metrics(std::span<const resolve::Match> matches, std::span<const RowPair> positives,
                                  std::span<const RowPair> negatives) {
  std::vector<resolve::Match> labelled;
  for (const auto& match : matches) {
    const RowPair pair{match.left, match.right};
    if (contains(positives, pair) || contains(negatives, pair)) labelled.push_back(match);
  }
  return pair_metrics(labelled, positives);
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
                             std::span<const std::uint32_t> query_rows, std::size_t num_left,
                             std::span<const std::uint32_t> none_forgiven) {
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
    if (!correct && best_right[query] < 0 && std::binary_search(none_forgiven.begin(), none_forgiven.end(), query)) {
      ++result.forgiven_nones;
    }
    result.right.push_back(correct ? 1 : 0);
  }
  if (result.queries > 0) {
    result.accuracy = static_cast<double>(result.correct) / static_cast<double>(result.queries);
    result.distiller_rule_accuracy =
        static_cast<double>(result.correct + result.forgiven_nones) / static_cast<double>(result.queries);
  }
  return result;
}

}  // namespace matchmaker::eval

namespace matchmaker::eval {

RankingMetrics ranking_metrics(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                               std::span<const RowPair> gold, std::span<const std::uint32_t> query_rows) {
  std::vector<std::uint32_t> queries(query_rows.begin(), query_rows.end());
  if (queries.empty()) {
    for (const auto& [left, right] : gold) {
      if (queries.empty() || queries.back() != left) queries.push_back(left);
    }
  }
  RankingMetrics metrics;
  for (const std::uint32_t query : queries) {
    const auto first = std::lower_bound(gold.begin(), gold.end(), RowPair{query, 0});
    const auto is_gold = [&](std::uint32_t right) {
      return std::binary_search(first, gold.end(), RowPair{query, right});
    };
    // Rank of the best-scored gold candidate: 1 + candidates ranked above it.
    std::size_t rank = 0;
    if (query < pairs.num_left) {
      std::int64_t best_gold = -1;
      for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
        if (!is_gold(pairs.right[pair])) continue;
        if (best_gold < 0 || scores[pair] > scores[static_cast<std::size_t>(best_gold)] ||
            (scores[pair] == scores[static_cast<std::size_t>(best_gold)] && pairs.right[pair] < pairs.right[static_cast<std::size_t>(best_gold)])) {
          best_gold = static_cast<std::int64_t>(pair);
        }
      }
      if (best_gold >= 0) {
        const auto gold_pair = static_cast<std::size_t>(best_gold);
        rank = 1;
        for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
          rank += scores[pair] > scores[gold_pair] || (scores[pair] == scores[gold_pair] && pairs.right[pair] < pairs.right[gold_pair]);
        }
      }
    }
    ++metrics.queries;
    if (rank == 0) continue;
    metrics.hits_at_1 += rank <= 1;
    metrics.hits_at_5 += rank <= 5;
    metrics.hits_at_10 += rank <= 10;
    metrics.mrr += 1.0 / static_cast<double>(rank);
  }
  if (metrics.queries > 0) {
    const auto count = static_cast<double>(metrics.queries);
    metrics.hits_at_1 /= count;
    metrics.hits_at_5 /= count;
    metrics.hits_at_10 /= count;
    metrics.mrr /= count;
  }
  return metrics;
}

}  // namespace matchmaker::eval
