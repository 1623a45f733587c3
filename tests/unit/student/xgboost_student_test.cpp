#include "student/xgboost_student.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace matchmaker::student {
namespace {

// Feature 0 decides (match iff > 0.5), feature 1 is noise, feature 2 is sometimes missing.
features::FeatureMatrix separable(std::size_t num_rows, std::vector<float>& labels) {
  std::mt19937 random(9);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  features::FeatureMatrix matrix;
  matrix.add_feature("title similarity", 1);
  matrix.add_feature("noise", 0);
  matrix.add_feature("sometimes missing", 0);
  matrix.num_rows = num_rows;
  for (std::size_t row = 0; row < num_rows; ++row) {
    const float decisive = uniform(random);
    matrix.values.push_back(decisive);
    matrix.values.push_back(uniform(random));
    matrix.values.push_back(row % 3 == 0 ? features::kMissing : uniform(random));
    labels.push_back(decisive > 0.5f ? 1.0f : 0.0f);
  }
  return matrix;
}

TEST(XGBoostStudentTest, LearnsASeparableRuleAndScoresEveryRow) {
  std::vector<float> labels;
  const auto matrix = separable(600, labels);
  std::vector<std::uint64_t> rows(300);
  for (std::size_t idx = 0; idx < rows.size(); ++idx) rows[idx] = idx;  // train on the first half
  const std::vector<float> train_labels(labels.begin(), labels.begin() + 300);
  const std::vector<float> weights(300, 1.0f);
  XGBoostStudent student;
  student.train(matrix, rows, train_labels, weights, StudentOptions{});
  const auto scores = student.predict(matrix);
  ASSERT_EQ(scores.size(), 600u);
  std::size_t correct = 0;
  for (std::size_t row = 300; row < 600; ++row) correct += (scores[row] >= 0.5f) == (labels[row] > 0.5f);
  EXPECT_GE(correct, 285u) << "held-out accuracy";
  for (float score : scores) {
    EXPECT_GE(score, 0.0f);
    EXPECT_LE(score, 1.0f);
  }
  EXPECT_NE(student.save_json().find("\"learner\""), std::string::npos);
}

TEST(XGBoostStudentTest, MonotoneConstraintHoldsEvenAgainstMisleadingLabels) {
  // Labels say high similarity means non-match; the +1 constraint forbids learning that.
  features::FeatureMatrix matrix;
  matrix.add_feature("similarity", 1);
  std::vector<float> labels;
  for (int idx = 0; idx < 200; ++idx) {
    const float value = static_cast<float>(idx) / 200.0f;
    matrix.values.push_back(value);
    labels.push_back(value < 0.5f ? 1.0f : 0.0f);
  }
  matrix.num_rows = 200;
  std::vector<std::uint64_t> rows(200);
  for (std::size_t idx = 0; idx < rows.size(); ++idx) rows[idx] = idx;
  XGBoostStudent student;
  student.train(matrix, rows, labels, std::vector<float>(200, 1.0f), StudentOptions{});
  const auto scores = student.predict(matrix);
  for (std::size_t row = 1; row < scores.size(); ++row) EXPECT_GE(scores[row] + 1e-6f, scores[row - 1]);
}

TEST(XGBoostStudentTest, ContributionsSumToTheLogOddsOfThePrediction) {
  std::vector<float> labels;
  const auto matrix = separable(200, labels);
  std::vector<std::uint64_t> rows(200);
  for (std::size_t idx = 0; idx < rows.size(); ++idx) rows[idx] = idx;
  XGBoostStudent student;
  student.train(matrix, rows, labels, std::vector<float>(200, 1.0f), StudentOptions{});
  const auto probabilities = student.predict(matrix);
  const auto contributions = student.contributions(matrix);
  const std::size_t width = matrix.num_features() + 1;
  ASSERT_EQ(contributions.size(), matrix.num_rows * width);
  for (std::size_t row = 0; row < matrix.num_rows; ++row) {
    double sum = 0;
    for (std::size_t column = 0; column < width; ++column) sum += contributions[row * width + column];
    const double log_odds = std::log(probabilities[row] / (1.0 - probabilities[row]));
    EXPECT_NEAR(sum, log_odds, 1e-3) << "row " << row;
  }
  // The decisive feature carries the decision: on a clear match it pushes up, on a clear non-match down.
  std::size_t clear_match = 0, clear_non_match = 0;
  for (std::size_t row = 0; row < matrix.num_rows; ++row) {
    if (matrix.at(row, 0) > matrix.at(clear_match, 0)) clear_match = row;
    if (matrix.at(row, 0) < matrix.at(clear_non_match, 0)) clear_non_match = row;
  }
  EXPECT_GT(contributions[clear_match * width], 0.0f);
  EXPECT_LT(contributions[clear_non_match * width], 0.0f);
}

TEST(XGBoostStudentTest, PredictBeforeTrainIsAnError) {
  XGBoostStudent student;
  features::FeatureMatrix matrix;
  matrix.add_feature("x", 0);
  matrix.values = {0.5f};
  matrix.num_rows = 1;
  EXPECT_THROW(student.predict(matrix), std::runtime_error);
}

}  // namespace
}  // namespace matchmaker::student
