#include "select/query_selection.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>

#include "matchmaker/error.h"

namespace matchmaker::select {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

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

// Two features per ladder pair: its score and which of three groups its query falls in.
features::FeatureMatrix ladder_features(const candidates::CandidatePairs& pairs) {
  features::FeatureMatrix matrix;
  matrix.add_feature("score", 1);
  matrix.add_feature("group", 0);
  matrix.num_rows = pairs.num_pairs();
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    matrix.values.push_back(pairs.score[pair]);
    matrix.values.push_back(static_cast<float>(pairs.left[pair] % 3));
  }
  return matrix;
}

// Candidate pairs from each query's candidate scores, in pair order; an empty list is a query
// without candidates.
candidates::CandidatePairs from_scores(const std::vector<std::vector<float>>& scores) {
  candidates::CandidatePairs pairs;
  pairs.num_left = scores.size();
  pairs.query_offsets.push_back(0);
  for (std::uint32_t query = 0; query < scores.size(); ++query) {
    for (std::size_t idx = 0; idx < scores[query].size(); ++idx) {
      pairs.left.push_back(query);
      pairs.right.push_back(static_cast<std::uint32_t>(idx));
      pairs.score.push_back(scores[query][idx]);
      pairs.rank_in_left.push_back(static_cast<std::uint16_t>(idx + 1));
      pairs.rank_in_right.push_back(1);
    }
    pairs.num_right = std::max(pairs.num_right, scores[query].size());
    pairs.query_offsets.push_back(pairs.left.size());
  }
  return pairs;
}

// A feature matrix with `num_features` columns from row-major values, one row per pair.
features::FeatureMatrix matrix_of(std::size_t num_features, std::vector<float> values) {
  features::FeatureMatrix matrix;
  for (std::size_t feature = 0; feature < num_features; ++feature) matrix.add_feature("f" + std::to_string(feature), 0);
  matrix.num_rows = values.size() / num_features;
  matrix.values = std::move(values);
  return matrix;
}

const std::vector<SelectionStrategy> kBudgetedStrategies = {
    SelectionStrategy::kBlockingMax, SelectionStrategy::kStratified, SelectionStrategy::kRandom,
    SelectionStrategy::kBlockingTop2, SelectionStrategy::kDiversity};

TEST(QuerySelectionTest, BudgetIsAShareOrACount) {
  EXPECT_EQ(budget_to_count(0.10, 99), 9u);
  EXPECT_EQ(budget_to_count(25, 99), 25u);
  EXPECT_EQ(budget_to_count(500, 99), 99u);
  EXPECT_EQ(budget_to_count(0, 99), 0u);
  // A positive share of a small table asks one query, not none.
  EXPECT_EQ(budget_to_count(0.10, 5), 1u);
  EXPECT_EQ(budget_to_count(0.10, 0), 0u);
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
  const auto pairs = ladder();
  const auto features = ladder_features(pairs);
  for (auto strategy : kBudgetedStrategies) {
    SCOPED_TRACE(selection_strategy_name(strategy));
    const auto all = select_queries(pairs, strategy, 1.0, 3, &features);
    EXPECT_EQ(all.size(), 99u);
    EXPECT_EQ(std::count(all.begin(), all.end(), 7u), 0);
    const auto some = select_queries(pairs, strategy, 0.2, 3, &features);
    EXPECT_EQ(std::count(some.begin(), some.end(), 7u), 0);
    EXPECT_EQ(some, select_queries(pairs, strategy, 0.2, 3, &features));
  }
}

TEST(QuerySelectionTest, OnlyAskableQueriesAreChosenAndTheBudgetIsAShareOfThem) {
  // A teacher that can answer only the even queries (a recording of half of them): 50 of the ladder's
  // 99 queries with candidates (query 7 has none, and is odd anyway).
  const auto pairs = ladder();
  const auto features = ladder_features(pairs);
  std::vector<std::uint8_t> askable(100, 0);
  for (std::size_t query = 0; query < 100; query += 2) askable[query] = 1;
  EXPECT_EQ(count_askable_queries(pairs, askable), 50u);
  EXPECT_EQ(count_askable_queries(pairs, {}), 99u);
  auto all_even = [](const std::vector<std::uint32_t>& chosen) {
    return std::all_of(chosen.begin(), chosen.end(), [](std::uint32_t query) { return query % 2 == 0; });
  };
  for (auto strategy : kBudgetedStrategies) {
    SCOPED_TRACE(selection_strategy_name(strategy));
    const auto some = select_queries(pairs, strategy, 0.2, 3, &features, askable);
    EXPECT_EQ(some.size(), 10u);  // 20% of 50, not of 99
    EXPECT_TRUE(all_even(some));
    EXPECT_EQ(select_queries(pairs, strategy, 1.0, 3, &features, askable).size(), 50u);
  }
  std::vector<float> probabilities(pairs.num_pairs(), 0.5f);  // every query equally uncertain
  const auto uncertain = select_uncertain(pairs, probabilities, {}, 100, askable);
  EXPECT_EQ(uncertain.size(), 50u);
  EXPECT_TRUE(all_even(uncertain));
  const std::vector<std::uint8_t> wrong_size(99, 1);
  EXPECT_THROW(select_queries(pairs, SelectionStrategy::kRandom, 0.2, 3, nullptr, wrong_size), std::invalid_argument);
  EXPECT_THROW(select_uncertain(pairs, probabilities, {}, 5, wrong_size), std::invalid_argument);
}

TEST(QuerySelectionTest, EveryStrategyTakesExactlyTheBudget) {
  const auto pairs = ladder();
  const auto features = ladder_features(pairs);
  for (auto strategy : kBudgetedStrategies) {
    for (double budget : {0.0, 1.0, 2.0, 5.0, 0.1, 0.5, 0.999, 98.0, 99.0, 500.0}) {
      SCOPED_TRACE(selection_strategy_name(strategy) + " budget " + std::to_string(budget));
      const auto chosen = select_queries(pairs, strategy, budget, 11, &features);
      EXPECT_EQ(chosen.size(), budget_to_count(budget, 99));
      EXPECT_TRUE(std::is_sorted(chosen.begin(), chosen.end()));
      EXPECT_EQ(std::adjacent_find(chosen.begin(), chosen.end()), chosen.end()) << "a query chosen twice";
    }
  }
}

TEST(QuerySelectionTest, StrategyNamesRoundTripAndTheErrorListsThemAll) {
  for (auto strategy : {SelectionStrategy::kBlockingMax, SelectionStrategy::kStratified, SelectionStrategy::kRandom,
                        SelectionStrategy::kBlockingTop2, SelectionStrategy::kDiversity, SelectionStrategy::kUncertainty}) {
    EXPECT_EQ(parse_selection_strategy(selection_strategy_name(strategy)), strategy);
  }
  EXPECT_EQ(parse_selection_strategy("blocking-top2"), SelectionStrategy::kBlockingTop2);
  EXPECT_EQ(parse_selection_strategy("diversity"), SelectionStrategy::kDiversity);
  EXPECT_EQ(parse_selection_strategy("uncertainty"), SelectionStrategy::kUncertainty);
  try {
    parse_selection_strategy("top2");
    FAIL() << "no error";
  } catch (const InputError& error) {
    const std::string message = error.what();
    for (const char* name : {"blocking-max", "stratified", "random", "blocking-top2", "diversity", "uncertainty"}) {
      EXPECT_NE(message.find(name), std::string::npos) << message;
    }
  }
}

TEST(QuerySelectionTest, UnknownStrategyListsTheValidOnes) {
  EXPECT_THROW(parse_selection_strategy("max"), InputError);
  EXPECT_EQ(parse_selection_strategy("stratified"), SelectionStrategy::kStratified);
}

// Gaps: q0 0.05, q1 0.5, q2 0.3 (alone: its score), q3 none, q4 0.7 (top not first), q5 0 (tied top).
candidates::CandidatePairs gaps() {
  return from_scores({{0.9f, 0.85f}, {0.6f, 0.1f}, {0.3f}, {}, {0.2f, 0.9f, 0.1f}, {0.8f, 0.8f, 0.3f}});
}

TEST(QuerySelectionTest, BlockingTop2TakesTheLargestGapBetweenTopTwoScores) {
  const auto pairs = gaps();
  // A budget of 1 is a share (all queries); one of five queries is 0.2.
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 0.2, 1), (std::vector<std::uint32_t>{4}));
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 2, 1), (std::vector<std::uint32_t>{1, 4}));
  // A lone candidate's gap is its score, 0.3: above q0's 0.05 although q0's top score is far higher.
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 3, 1), (std::vector<std::uint32_t>{1, 2, 4}));
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 4, 1), (std::vector<std::uint32_t>{0, 1, 2, 4}));
  // Tied top candidates leave no gap: q5 comes last.
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 5, 1), (std::vector<std::uint32_t>{0, 1, 2, 4, 5}));
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 6, 1), (std::vector<std::uint32_t>{0, 1, 2, 4, 5}));
  // Blocking-Max on the same queries prefers the high top scores instead.
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingMax, 2, 1), (std::vector<std::uint32_t>{0, 4}));
}

TEST(QuerySelectionTest, BlockingTop2BreaksTiesByRow) {
  const auto pairs = from_scores({{0.5f}, {0.75f, 0.25f}, {0.5f}, {0.5f, 0.0f}});
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 2, 1), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 2, 99), (std::vector<std::uint32_t>{0, 1}));
}

TEST(QuerySelectionTest, DiversityStartsAtTheHighestTopScoreThenTakesTheFarthest) {
  // One feature; positions q0 0.0, q1 0.45, q2 1.0, q3 0.2, q4 0.85; q5 has no candidate.
  const auto pairs = from_scores({{0.5f}, {0.9f}, {0.5f}, {0.5f}, {0.5f}, {}});
  const auto features = matrix_of(1, {0.0f, 0.45f, 1.0f, 0.2f, 0.85f});
  auto pick = [&](double budget) { return select_queries(pairs, SelectionStrategy::kDiversity, budget, 1, &features); };
  EXPECT_EQ(pick(0.2), (std::vector<std::uint32_t>{1}));         // one of five: the highest top score
  EXPECT_EQ(pick(2), (std::vector<std::uint32_t>{1, 2}));        // 0.55 from q1
  EXPECT_EQ(pick(3), (std::vector<std::uint32_t>{0, 1, 2}));     // 0.45 from q1
  EXPECT_EQ(pick(4), (std::vector<std::uint32_t>{0, 1, 2, 3}));  // 0.2 from q0, q4 is 0.15 from q2
  EXPECT_EQ(pick(5), (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(pick(0), (std::vector<std::uint32_t>{}));
}

TEST(QuerySelectionTest, DiversityTakesOneQueryFromEachClusterFirst) {
  // Three clusters in two features: A around (0, 0) with six queries and the highest top scores, B
  // around (1, 0) and C around (0, 1) with three each. Every query also has a weaker candidate far
  // away at (9, 9), sometimes first in pair order: only the top candidate's row may represent it.
  const std::vector<std::array<float, 2>> centres = {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0},
                                                     {1, 0}, {1, 0}, {1, 0}, {0, 1}, {0, 1}, {0, 1}};
  std::vector<std::vector<float>> scores;
  std::vector<float> values;
  std::mt19937 random(5);
  std::uniform_real_distribution<float> jitter(-0.05f, 0.05f);
  for (std::size_t query = 0; query < centres.size(); ++query) {
    const float top = query < 6 ? 0.9f - 0.01f * static_cast<float>(query) : 0.5f;
    const std::vector<float> row = {centres[query][0] + jitter(random), centres[query][1] + jitter(random)};
    if (query % 2 == 0) {
      scores.push_back({top, 0.1f});
      values.insert(values.end(), row.begin(), row.end());
      values.insert(values.end(), {9.0f, 9.0f});
    } else {
      scores.push_back({0.1f, top});
      values.insert(values.end(), {9.0f, 9.0f});
      values.insert(values.end(), row.begin(), row.end());
    }
  }
  const auto pairs = from_scores(scores);
  const auto features = matrix_of(2, values);
  const auto chosen = select_queries(pairs, SelectionStrategy::kDiversity, 3, 1, &features);
  ASSERT_EQ(chosen.size(), 3u);
  EXPECT_EQ(chosen[0], 0u);  // the start: A's highest top score
  EXPECT_GE(chosen[1], 6u);
  EXPECT_LT(chosen[1], 9u);
  EXPECT_GE(chosen[2], 9u);
  // Blocking-Max would have stayed in A.
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingMax, 3, 1), (std::vector<std::uint32_t>{0, 1, 2}));
}

TEST(QuerySelectionTest, DiversityScalesEachFeatureToItsRange) {
  // Feature 0 spans 0..1000, feature 1 spans 0..1. Unscaled, B at 1000 is farthest from the start A;
  // scaled, D (half way, and 1 on the other feature) is.
  const auto pairs = from_scores({{0.9f}, {0.5f}, {0.5f}, {0.5f}});
  const auto features = matrix_of(2, {0, 0, /*B*/ 1000, 0, /*C*/ 0, 1, /*D*/ 500, 1});
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kDiversity, 2, 1, &features), (std::vector<std::uint32_t>{0, 3}));
}

TEST(QuerySelectionTest, DiversityCountsMissingValuesAsZero) {
  // Start A at (1, 1); B, all missing, counts as (0, 0), the farthest point; C (0.6, 0.6); D (inf, 0.9)
  // counts as (0, 0.9), farther from A and B than C is.
  const auto pairs = from_scores({{0.9f}, {0.5f}, {0.5f}, {0.5f}});
  const auto features = matrix_of(2, {1, 1, kNaN, kNaN, 0.6f, 0.6f, kInf, 0.9f});
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kDiversity, 2, 1, &features), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kDiversity, 3, 1, &features), (std::vector<std::uint32_t>{0, 1, 3}));
}

TEST(QuerySelectionTest, DiversityNeedsAMatchingFeatureMatrix) {
  const auto pairs = ladder();
  EXPECT_THROW(select_queries(pairs, SelectionStrategy::kDiversity, 5, 1), std::invalid_argument);
  EXPECT_THROW(select_queries(pairs, SelectionStrategy::kDiversity, 0, 1), std::invalid_argument);
  const auto short_matrix = matrix_of(1, {0.1f, 0.2f});
  EXPECT_THROW(select_queries(pairs, SelectionStrategy::kDiversity, 5, 1, &short_matrix), std::invalid_argument);
  // The other strategies need no features.
  EXPECT_EQ(select_queries(pairs, SelectionStrategy::kBlockingTop2, 5, 1).size(), 5u);
}

// Plain k-center greedy in double precision, the reference for the accelerated one. `points` are
// already in [0, 1] with 0 and 1 in every feature, so scaling leaves them as they are.
std::vector<std::uint32_t> reference_k_center(const std::vector<std::vector<float>>& points, std::size_t start,
                                              std::size_t count) {
  std::vector<double> min_distance(points.size(), std::numeric_limits<double>::infinity());
  std::vector<std::uint32_t> chosen;
  std::size_t next = start;
  while (chosen.size() < count) {
    chosen.push_back(static_cast<std::uint32_t>(next));
    min_distance[next] = -1;
    for (std::size_t point = 0; point < points.size(); ++point) {
      if (min_distance[point] < 0) continue;
      double distance = 0;
      for (std::size_t feature = 0; feature < points[point].size(); ++feature) {
        const double diff = static_cast<double>(points[point][feature]) - points[next][feature];
        distance += diff * diff;
      }
      min_distance[point] = std::min(min_distance[point], distance);
    }
    next = static_cast<std::size_t>(std::max_element(min_distance.begin(), min_distance.end()) - min_distance.begin());
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

// 5000 queries (enough for the parallel path) around 25 cluster centres in 37 features (more than
// one early-exit block, not a multiple of the vector width), one candidate each.
struct ClusteredQueries {
  candidates::CandidatePairs pairs;
  features::FeatureMatrix features;
  std::vector<std::vector<float>> points;
  std::size_t start = 0;
};

ClusteredQueries clustered_queries() {
  constexpr std::size_t kQueries = 5000, kFeatures = 37, kClusters = 25;
  std::mt19937 random(17);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::normal_distribution<float> noise(0.0f, 0.04f);
  std::vector<std::vector<float>> centres(kClusters, std::vector<float>(kFeatures));
  for (auto& centre : centres) {
    for (float& value : centre) value = uniform(random);
  }
  ClusteredQueries data;
  std::vector<std::vector<float>> scores;
  for (std::size_t query = 0; query < kQueries; ++query) {
    const auto& centre = centres[random() % kClusters];
    std::vector<float> point(kFeatures);
    for (std::size_t feature = 0; feature < kFeatures; ++feature) {
      point[feature] = std::clamp(centre[feature] + noise(random), 0.0f, 1.0f);
    }
    data.points.push_back(point);
    scores.push_back({uniform(random)});
  }
  for (std::size_t feature = 0; feature < kFeatures; ++feature) {
    data.points[feature][feature] = 0.0f;
    data.points[kFeatures + feature][feature] = 1.0f;
  }
  data.pairs = from_scores(scores);
  std::vector<float> values;
  for (const auto& point : data.points) values.insert(values.end(), point.begin(), point.end());
  data.features = matrix_of(kFeatures, values);
  data.start = static_cast<std::size_t>(std::max_element(data.pairs.score.begin(), data.pairs.score.end()) -
                                        data.pairs.score.begin());
  return data;
}

TEST(QuerySelectionTest, DiversityEqualsPlainKCenterGreedy) {
  const auto data = clustered_queries();
  for (std::size_t budget : {2u, 3u, 25u, 60u}) {
    SCOPED_TRACE(budget);
    EXPECT_EQ(select_queries(data.pairs, SelectionStrategy::kDiversity, static_cast<double>(budget), 1, &data.features),
              reference_k_center(data.points, data.start, budget));
  }
}

TEST(QuerySelectionTest, DiversityIsTheSameForAnyNumberOfThreads) {
  const auto data = clustered_queries();
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto serial = select_queries(data.pairs, SelectionStrategy::kDiversity, 200, 1, &data.features);
  omp_set_num_threads(3);
  const auto three = select_queries(data.pairs, SelectionStrategy::kDiversity, 200, 1, &data.features);
  omp_set_num_threads(threads);
  EXPECT_EQ(serial.size(), 200u);
  EXPECT_EQ(serial, three);
  EXPECT_EQ(serial, select_queries(data.pairs, SelectionStrategy::kDiversity, 200, 1, &data.features));
}

TEST(QuerySelectionTest, UncertaintyIsNotABudgetedStrategy) {
  EXPECT_THROW(select_queries(ladder(), SelectionStrategy::kUncertainty, 5, 1), std::invalid_argument);
}

// Margins: q0 0.8, q1 0.05, q2 0.04 (alone at 0.52: |2p - 1|), q3 none, q4 0.6, q5 0.9 (alone at 0.95),
// q6 0.4 (alone at 0.3).
struct Uncertain {
  candidates::CandidatePairs pairs =
      from_scores({{0.1f, 0.1f}, {0.1f, 0.1f}, {0.1f}, {}, {0.1f, 0.1f, 0.1f}, {0.1f}, {0.1f}});
  std::vector<float> probabilities = {0.9f, 0.1f, 0.55f, 0.5f, 0.52f, 0.3f, 0.25f, 0.9f, 0.95f, 0.3f};
};

TEST(QuerySelectionTest, UncertaintyPicksTheSmallestMarginFirst) {
  const Uncertain data;
  auto pick = [&](std::size_t count) { return select_uncertain(data.pairs, data.probabilities, {}, count); };
  EXPECT_EQ(pick(1), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(pick(2), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(pick(3), (std::vector<std::uint32_t>{1, 2, 6}));
  EXPECT_EQ(pick(4), (std::vector<std::uint32_t>{1, 2, 4, 6}));
  EXPECT_EQ(pick(5), (std::vector<std::uint32_t>{0, 1, 2, 4, 6}));
  EXPECT_EQ(pick(100), (std::vector<std::uint32_t>{0, 1, 2, 4, 5, 6}));  // never q3, which has no candidate
  EXPECT_EQ(pick(0), (std::vector<std::uint32_t>{}));
}

TEST(QuerySelectionTest, UncertaintyNeverPicksAQueryAgain) {
  const Uncertain data;
  const std::vector<std::uint32_t> labelled = {6, 2};
  EXPECT_EQ(select_uncertain(data.pairs, data.probabilities, labelled, 2), (std::vector<std::uint32_t>{1, 4}));
  EXPECT_EQ(select_uncertain(data.pairs, data.probabilities, labelled, 100), (std::vector<std::uint32_t>{0, 1, 4, 5}));
}

TEST(QuerySelectionTest, UncertaintyRoundsCoverEveryQueryOnce) {
  const Uncertain data;
  std::vector<std::uint32_t> labelled;
  for (int round = 0; round < 10; ++round) {
    const auto chosen = select_uncertain(data.pairs, data.probabilities, labelled, 2);
    if (chosen.empty()) break;
    EXPECT_LE(chosen.size(), 2u);
    for (std::uint32_t query : chosen) {
      EXPECT_EQ(std::count(labelled.begin(), labelled.end(), query), 0) << "query " << query << " picked again";
    }
    labelled.insert(labelled.end(), chosen.begin(), chosen.end());
  }
  std::sort(labelled.begin(), labelled.end());
  EXPECT_EQ(labelled, (std::vector<std::uint32_t>{0, 1, 2, 4, 5, 6}));
}

TEST(QuerySelectionTest, TheDecisionMarginLeavesQueriesNothingMatches) {
  // q0: every candidate unlikely (candidate margin 0.01, decision margin 0.96); q1: best 0.6 (0.5,
  // 0.2); q2: best 0.45, below "none" (0.4, 0.1); q3: two likely candidates (0.05, 0.05).
  const auto pairs = from_scores({{0.1f, 0.1f}, {0.1f, 0.1f}, {0.1f, 0.1f}, {0.1f, 0.1f}});
  const std::vector<float> probabilities = {0.02f, 0.01f, 0.6f, 0.1f, 0.45f, 0.05f, 0.9f, 0.85f};
  auto pick = [&](std::size_t count, double share) { return select_uncertain(pairs, probabilities, {}, count, {}, share); };
  EXPECT_EQ(pick(2, 0.0), (std::vector<std::uint32_t>{0, 3}));
  EXPECT_EQ(pick(2, 1.0), (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(pick(3, 1.0), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(pick(3, 1.0 / 3.0), (std::vector<std::uint32_t>{0, 2, 3}));  // q3 by decision, then q0, q2
  EXPECT_EQ(pick(4, 0.5), (std::vector<std::uint32_t>{0, 1, 2, 3}));     // no query twice
  EXPECT_THROW(pick(2, 1.5), std::invalid_argument);
  EXPECT_THROW(pick(2, -0.1), std::invalid_argument);
}

TEST(QuerySelectionTest, UncertaintyRejectsBadInput) {
  const Uncertain data;
  const std::vector<float> too_few(data.probabilities.begin(), data.probabilities.end() - 1);
  EXPECT_THROW(select_uncertain(data.pairs, too_few, {}, 2), std::invalid_argument);
  auto with_nan = data.probabilities;
  with_nan[3] = kNaN;
  EXPECT_THROW(select_uncertain(data.pairs, with_nan, {}, 2), std::invalid_argument);
  auto logit = data.probabilities;
  logit[0] = 2.5f;
  EXPECT_THROW(select_uncertain(data.pairs, logit, {}, 2), std::invalid_argument);
  const std::vector<std::uint32_t> out_of_range = {7};
  EXPECT_THROW(select_uncertain(data.pairs, data.probabilities, out_of_range, 2), std::invalid_argument);
}

}  // namespace
}  // namespace matchmaker::select
