#include "resolve/resolve.h"
#include "resolve/ranking.h"

#include <gtest/gtest.h>

#include "matchmaker/error.h"

namespace matchmaker::resolve {
namespace {

// Builds CandidatePairs from (left, right) in sorted order.
candidates::CandidatePairs make_pairs(std::size_t num_left, std::size_t num_right,
                                      const std::vector<std::pair<std::uint32_t, std::uint32_t>>& list) {
  candidates::CandidatePairs pairs;
  pairs.num_left = num_left;
  pairs.num_right = num_right;
  pairs.query_offsets.assign(num_left + 1, 0);
  for (const auto& [left, right] : list) {
    pairs.left.push_back(left);
    pairs.right.push_back(right);
    pairs.score.push_back(0.5f);
    pairs.rank_in_left.push_back(1);
    pairs.rank_in_right.push_back(1);
    ++pairs.query_offsets[left + 1];
  }
  for (std::size_t query = 0; query < num_left; ++query) pairs.query_offsets[query + 1] += pairs.query_offsets[query];
  return pairs;
}

TEST(ResolveTest, BestMatchKeepsEachQuerysBestAboveThreshold) {
  const auto pairs = make_pairs(3, 3, {{0, 0}, {0, 1}, {1, 1}, {2, 2}});
  const std::vector<float> scores = {0.9f, 0.6f, 0.7f, 0.3f};
  const auto matches = resolve_matches(pairs, scores, ResolveMethod::kBestMatch, 0.5f);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].left, 0u);
  EXPECT_EQ(matches[0].right, 0u);
  EXPECT_FLOAT_EQ(matches[0].score, 0.9f);
  EXPECT_EQ(matches[1].left, 1u);  // query 2's best (0.3) is below the threshold: "none"
}

TEST(ResolveTest, BestMatchMayReuseARightRecordUniqueMappingMayNot) {
  // Both queries prefer right record 0; query 1's second choice is right record 1.
  const auto pairs = make_pairs(2, 2, {{0, 0}, {1, 0}, {1, 1}});
  const std::vector<float> scores = {0.95f, 0.9f, 0.8f};
  const auto best = resolve_matches(pairs, scores, ResolveMethod::kBestMatch, 0.5f);
  ASSERT_EQ(best.size(), 2u);
  EXPECT_EQ(best[1].right, 0u);
  const auto unique = resolve_matches(pairs, scores, ResolveMethod::kUniqueMapping, 0.5f);
  ASSERT_EQ(unique.size(), 2u);
  EXPECT_EQ(unique[0].right, 0u);
  EXPECT_EQ(unique[1].right, 1u);
}

TEST(ResolveTest, UniqueMappingLeavesAQueryUnmatchedWhenItsOnlyCandidateIsTaken) {
  const auto pairs = make_pairs(2, 1, {{0, 0}, {1, 0}});
  const std::vector<float> scores = {0.7f, 0.8f};
  const auto matches = resolve_matches(pairs, scores, ResolveMethod::kUniqueMapping, 0.5f);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].left, 1u);
}

TEST(ResolveTest, UniqueMappingGivesTheRunnerUpItsOtherRecordRatherThanNothing) {
  // "soundbooth cs3 [mac]" (query 0) and "soundbooth cs3" (query 1) both score the Windows record 0
  // highest, the [mac] one a little more; only the [mac] one also fits the Mac record 1. Greedy takes
  // (0, 0) first and leaves query 1 unmatched; the most likely assignment is (0, 1) + (1, 0).
  const auto pairs = make_pairs(2, 2, {{0, 0}, {0, 1}, {1, 0}});
  const std::vector<float> scores = {0.995f, 0.9f, 0.987f};
  const auto matches = resolve_matches(pairs, scores, ResolveMethod::kUniqueMapping, 0.25f);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].right, 1u);
  EXPECT_FLOAT_EQ(matches[0].score, 0.9f);
  EXPECT_EQ(matches[1].right, 0u);
}

TEST(ResolveTest, UniqueMappingPrefersOneSureMatchToTwoDoubtfulOnes) {
  // Summed log-odds over the threshold: 0.999 alone (+6.9 - 0) beats 0.6 + 0.6 (+0.4 each).
  const auto pairs = make_pairs(2, 2, {{0, 0}, {0, 1}, {1, 0}});
  const std::vector<float> scores = {0.999f, 0.6f, 0.6f};
  const auto matches = resolve_matches(pairs, scores, ResolveMethod::kUniqueMapping, 0.5f);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].left, 0u);
  EXPECT_EQ(matches[0].right, 0u);
  // A pair exactly at the threshold still counts, as with greedy.
  const std::vector<float> at_threshold = {0.5f, 0.1f, 0.1f};
  EXPECT_EQ(resolve_matches(pairs, at_threshold, ResolveMethod::kUniqueMapping, 0.5f).size(), 1u);
}

TEST(ResolveTest, ConnectedComponentsCloseClustersTransitively) {
  // Records 0-1 and 1-2 match, 3-4 match, 2-3 does not.
  const auto pairs = make_pairs(5, 5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}});
  const std::vector<float> scores = {0.9f, 0.8f, 0.2f, 0.7f};
  const auto matches = resolve_matches(pairs, scores, ResolveMethod::kConnectedComponents, 0.5f);
  ASSERT_EQ(matches.size(), 4u);  // {0,1,2}: 3 pairs, {3,4}: 1 pair
  EXPECT_EQ(matches[0].left, 0u);
  EXPECT_EQ(matches[0].right, 1u);
  EXPECT_FLOAT_EQ(matches[0].score, 0.9f);  // a direct edge keeps its own score
  EXPECT_EQ(matches[1].left, 0u);
  EXPECT_EQ(matches[1].right, 2u);
  EXPECT_FLOAT_EQ(matches[1].score, 0.8f);  // a transitive pair gets the cluster's weakest link
  EXPECT_EQ(matches[0].cluster, matches[2].cluster);
  EXPECT_EQ(matches[3].left, 3u);
  EXPECT_EQ(matches[3].cluster, 3u);
}

TEST(ResolveTest, ConnectedComponentsRefuseTwoTables) {
  // Right row 7 of a two-table linkage is no row of the 3-row left table (it was read past the end).
  const auto pairs = make_pairs(3, 8, {{0, 7}, {2, 1}});
  EXPECT_THROW(resolve_matches(pairs, std::vector<float>{0.9f, 0.9f}, ResolveMethod::kConnectedComponents, 0.5f),
               std::invalid_argument);
}

TEST(RankingTest, BestCandidateTakesTheHighestScoreAndTheLowerRightOnATie) {
  const auto pairs = make_pairs(3, 4, {{0, 1}, {0, 2}, {0, 3}, {2, 0}, {2, 3}});
  const std::vector<float> scores = {0.2f, 0.7f, 0.7f, 0.1f, 0.9f};
  EXPECT_EQ(best_candidate(pairs, scores, 0), 1);  // right 2 and 3 tie at 0.7: right 2
  EXPECT_EQ(best_candidate(pairs, scores, 1), -1);  // no candidate
  EXPECT_EQ(best_candidate(pairs, scores, 2), 4);
  EXPECT_EQ(rank_candidates(pairs, scores, 1)[0].pair, 1u);  // the same order as the rankings
}

TEST(ResolveTest, MethodNamesRoundTripAndUnknownNamesListTheValidOnes) {
  for (auto method : {ResolveMethod::kBestMatch, ResolveMethod::kUniqueMapping, ResolveMethod::kConnectedComponents}) {
    EXPECT_EQ(parse_resolve_method(resolve_method_name(method)), method);
  }
  try {
    parse_resolve_method("hungarian");
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("unique-mapping"), std::string::npos);
  }
}

}  // namespace
}  // namespace matchmaker::resolve
