#include "eval/metrics.h"

#include <gtest/gtest.h>

namespace matchmaker::eval {
namespace {

TEST(MetricsTest, PairMetricsCountTruePositivesAgainstGold) {
  const std::vector<resolve::Match> matches = {{0, 0, 0.9f}, {1, 2, 0.8f}, {2, 1, 0.7f}};
  const std::vector<RowPair> gold = {{0, 0}, {1, 1}, {2, 1}, {3, 3}};
  const PairMetrics metrics = pair_metrics(matches, gold);
  EXPECT_EQ(metrics.true_positives, 2u);
  EXPECT_DOUBLE_EQ(metrics.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(metrics.recall, 0.5);
  EXPECT_NEAR(metrics.f1, 2 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5), 1e-12);
}

// Over a split's labelled pairs only: a match the file does not label is not counted either way.
TEST(MetricsTest, LabelledPairMetricsCountOnlyTheLabelledPairs) {
  const std::vector<resolve::Match> matches = {{0, 0, 0.9f}, {1, 2, 0.8f}, {2, 1, 0.7f}, {3, 3, 0.6f}};
  const std::vector<RowPair> positives = {{0, 0}, {4, 4}};
  const std::vector<RowPair> negatives = {{1, 2}, {5, 5}};
  const PairMetrics metrics = labelled_pair_metrics(matches, positives, negatives);
  EXPECT_EQ(metrics.predicted, 2u);  // (0,0) and (1,2); (2,1) and (3,3) are not labelled
  EXPECT_EQ(metrics.true_positives, 1u);
  EXPECT_DOUBLE_EQ(metrics.precision, 0.5);
  EXPECT_DOUBLE_EQ(metrics.recall, 0.5);
}

TEST(MetricsTest, NoPredictionsGiveZeroNotNaN) {
  const std::vector<RowPair> gold = {{0, 0}};
  const PairMetrics metrics = pair_metrics({}, gold);
  EXPECT_EQ(metrics.precision, 0.0);
  EXPECT_EQ(metrics.f1, 0.0);
}

TEST(MetricsTest, QueryAccuracyCountsCorrectNonesAndWrongMatches) {
  // Query 0: right. Query 1: predicted a non-gold record. Query 2: no gold, none predicted (right).
  // Query 3: has gold, none predicted (wrong).
  const std::vector<resolve::Match> matches = {{0, 0, 0.9f}, {1, 5, 0.8f}};
  const std::vector<RowPair> gold = {{0, 0}, {1, 1}, {3, 3}};
  const std::vector<std::uint32_t> queries = {0, 1, 2, 3};
  const QueryAccuracy accuracy = query_accuracy(matches, gold, queries, 4);
  EXPECT_EQ(accuracy.queries, 4u);
  EXPECT_EQ(accuracy.correct, 2u);
  EXPECT_DOUBLE_EQ(accuracy.accuracy, 0.5);
  EXPECT_EQ(accuracy.right, (std::vector<std::uint8_t>{1, 0, 1, 0}));
}

TEST(MetricsTest, DistillerRuleForgivesANoneOnlyWhereItsBlockingMissedGold) {
  // Query 3 has gold and gets "none": wrong, but forgiven when listed. Query 1 names a wrong record:
  // never forgiven, listed or not. Query 2 is already right.
  const std::vector<resolve::Match> matches = {{0, 0, 0.9f}, {1, 5, 0.8f}};
  const std::vector<RowPair> gold = {{0, 0}, {1, 1}, {3, 3}};
  const std::vector<std::uint32_t> queries = {0, 1, 2, 3};
  const std::vector<std::uint32_t> forgiven = {1, 2, 3};
  const QueryAccuracy accuracy = query_accuracy(matches, gold, queries, 4, forgiven);
  EXPECT_EQ(accuracy.correct, 2u);
  EXPECT_DOUBLE_EQ(accuracy.accuracy, 0.5);
  EXPECT_EQ(accuracy.forgiven_nones, 1u);
  EXPECT_DOUBLE_EQ(accuracy.distiller_rule_accuracy, 0.75);
  EXPECT_EQ(accuracy.right, (std::vector<std::uint8_t>{1, 0, 1, 0}));  // the strict verdicts

  const QueryAccuracy strict_only = query_accuracy(matches, gold, queries, 4);
  EXPECT_EQ(strict_only.forgiven_nones, 0u);
  EXPECT_DOUBLE_EQ(strict_only.distiller_rule_accuracy, 0.5);
}

TEST(MetricsTest, PairCompletenessIsTheShareOfGoldAmongCandidates) {
  candidates::CandidatePairs pairs;
  pairs.num_left = 2;
  pairs.num_right = 3;
  pairs.left = {0, 0, 1};
  pairs.right = {0, 2, 1};
  pairs.score = {1, 1, 1};
  pairs.rank_in_left = {1, 2, 1};
  pairs.rank_in_right = {1, 1, 1};
  pairs.query_offsets = {0, 2, 3};
  const std::vector<RowPair> gold = {{0, 2}, {1, 0}};
  EXPECT_DOUBLE_EQ(pair_completeness(pairs, gold), 0.5);
}

}  // namespace
}  // namespace matchmaker::eval
