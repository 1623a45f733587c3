#include "select/query_selection.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "matchmaker/error.h"

namespace matchmaker::select {
namespace {

// 100 queries, query q's single candidate scores q / 100; query 7 has no candidate.
candidates::CandidatePairs ladder() {
  candidates::CandidatePairs pairs;
  pairs.num_left = 100;
  pairs.num_right = 100;
  pairs.query_offsets.push_back(0);
  for (std::uint32_t query = 0; query < 100; ++query) {
    if (query != 7) {
      pairs.left.push_back(query);
      pairs.right.push_back(query);
      pairs.score.push_back(static_cast<float>(query) / 100.0f);
      pairs.rank_in_left.push_back(1);
      pairs.rank_in_right.push_back(1);
    }
    pairs.query_offsets.push_back(pairs.left.size());
  }
  return pairs;
}

TEST(QuerySelectionTest, BudgetIsAShareOrACount) {
  EXPECT_EQ(budget_to_count(0.10, 99), 9u);
  EXPECT_EQ(budget_to_count(25, 99), 25u);
  EXPECT_EQ(budget_to_count(500, 99), 99u);
  EXPECT_EQ(budget_to_count(0, 99), 0u);
}

TEST(QuerySelectionTest, BlockingMaxTakesTheHighestTopScores) {
  const auto chosen = select_queries(ladder(), SelectionStrategy::kBlockingMax, 5, 1);
  EXPECT_EQ(chosen, (std::vector<std::uint32_t>{95, 96, 97, 98, 99}));
}

TEST(QuerySelectionTest, StratifiedCoversTheWholeScoreRange) {
  const auto chosen = select_queries(ladder(), SelectionStrategy::kStratified, 10, 1);
  ASSERT_EQ(chosen.size(), 10u);
  EXPECT_LT(chosen.front(), 10u);
  EXPECT_GE(chosen.back(), 89u);
}

TEST(QuerySelectionTest, QueriesWithoutCandidatesAreNeverChosenAndSeedsReproduce) {
  for (auto strategy : {SelectionStrategy::kBlockingMax, SelectionStrategy::kStratified, SelectionStrategy::kRandom}) {
    const auto all = select_queries(ladder(), strategy, 1.0, 3);
    EXPECT_EQ(all.size(), 99u);
    EXPECT_EQ(std::count(all.begin(), all.end(), 7u), 0);
    EXPECT_EQ(select_queries(ladder(), strategy, 0.2, 3), select_queries(ladder(), strategy, 0.2, 3));
  }
}

TEST(QuerySelectionTest, UnknownStrategyListsTheValidOnes) {
  EXPECT_THROW(parse_selection_strategy("max"), InputError);
  EXPECT_EQ(parse_selection_strategy("stratified"), SelectionStrategy::kStratified);
}

}  // namespace
}  // namespace matchmaker::select
