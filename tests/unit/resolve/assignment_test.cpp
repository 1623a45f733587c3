#include "resolve/assignment.h"

#include <gtest/gtest.h>

#include <random>

namespace matchmaker::resolve {
namespace {

// The best summed weight over every one-to-one assignment, by exhaustive search (small matrices).
double best_by_search(const std::vector<double>& weights, std::size_t rows, std::size_t columns, std::size_t row,
                      std::vector<char>& used) {
  if (row == rows) return 0.0;
  double best = best_by_search(weights, rows, columns, row + 1, used);  // row left unassigned
  for (std::size_t column = 0; column < columns; ++column) {
    const double weight = weights[row * columns + column];
    if (used[column] || weight <= 0) continue;
    used[column] = 1;
    best = std::max(best, weight + best_by_search(weights, rows, columns, row + 1, used));
    used[column] = 0;
  }
  return best;
}

double summed(const std::vector<double>& weights, std::size_t columns, const std::vector<int>& assigned) {
  double total = 0.0;
  for (std::size_t row = 0; row < assigned.size(); ++row) {
    if (assigned[row] >= 0) total += weights[row * columns + static_cast<std::size_t>(assigned[row])];
  }
  return total;
}

TEST(MaxWeightAssignmentTest, BeatsGreedyWhereTheBestPairBlocksTwoGoodOnes) {
  // Greedy takes (0,0) = 10 and leaves 0; the optimum pairs (0,1) + (1,0) = 9 + 9.
  const std::vector<double> weights = {10, 9,  //
                                       9, 0};
  EXPECT_EQ(max_weight_assignment(weights, 2, 2), (std::vector<int>{1, 0}));
}

TEST(MaxWeightAssignmentTest, RectangularEitherWayAndNoEdgeMeansUnassigned) {
  const std::vector<double> wide = {0, 5, 2,  // 2 + 4 beats 5 alone
                                    0, 4, 0};
  EXPECT_EQ(max_weight_assignment(wide, 2, 3), (std::vector<int>{2, 1}));
  const std::vector<double> tall = {3, 0, 2, 0, 0, 0};  // 3 rows x 2 columns; row 2 has no edge
  EXPECT_EQ(max_weight_assignment(tall, 3, 2), (std::vector<int>{0, -1, -1}));
  EXPECT_TRUE(max_weight_assignment({}, 0, 4).empty());
  EXPECT_THROW(max_weight_assignment(wide, 3, 3), std::invalid_argument);
}

TEST(MaxWeightAssignmentTest, MatchesExhaustiveSearchOnRandomSparseMatrices) {
  std::mt19937 random(7);
  for (int round = 0; round < 300; ++round) {
    const std::size_t rows = 1 + random() % 5, columns = 1 + random() % 5;
    std::vector<double> weights(rows * columns, 0.0);
    for (double& weight : weights) {
      if (random() % 3 != 0) weight = static_cast<double>(random() % 1000) / 100.0;
    }
    const std::vector<int> assigned = max_weight_assignment(weights, rows, columns);
    std::vector<char> used_columns(columns, 0);
    for (std::size_t row = 0; row < rows; ++row) {
      if (assigned[row] < 0) continue;
      const auto column = static_cast<std::size_t>(assigned[row]);
      ASSERT_GT(weights[row * columns + column], 0) << round;  // only real edges
      ASSERT_FALSE(used_columns[column]) << round;               // one-to-one
      used_columns[column] = 1;
    }
    std::vector<char> used(columns, 0);
    ASSERT_NEAR(summed(weights, columns, assigned), best_by_search(weights, rows, columns, 0, used), 1e-9) << round;
  }
}

}  // namespace
}  // namespace matchmaker::resolve
