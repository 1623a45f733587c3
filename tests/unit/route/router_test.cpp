#include "route/router.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace matchmaker::route {
namespace {

// Queries 0..n-1 with the given candidate counts; pairs numbered in order.
candidates::CandidatePairs pairs_with(const std::vector<std::size_t>& counts) {
  candidates::CandidatePairs pairs;
  pairs.num_left = counts.size();
  pairs.query_offsets.push_back(0);
  std::uint32_t right = 0;
  for (std::uint32_t query = 0; query < counts.size(); ++query) {
    for (std::size_t idx = 0; idx < counts[query]; ++idx) {
      pairs.left.push_back(query);
      pairs.right.push_back(right++);
      pairs.score.push_back(0.5f);
      pairs.rank_in_left.push_back(static_cast<std::uint16_t>(idx + 1));
      pairs.rank_in_right.push_back(1);
    }
    pairs.query_offsets.push_back(pairs.left.size());
  }
  pairs.num_right = right;
  return pairs;
}

TEST(QueryConfidencesTest, MarginIsTheNearestAlternativeRunnerUpOrNone) {
  const auto pairs = pairs_with({2, 2, 1, 0, 2});
  // q0: 0.9 vs 0.2 -> runner-up gap 0.7, distance from none (0.9-0.5)/0.5 = 0.8 -> 0.7.
  // q1: 0.55 vs 0.5 -> 0.05.   q2: single 0.1 -> none wins, (0.5-0.1)/0.5 = 0.8.
  // q4: 0.1 vs 0.08 -> none wins; the runner-up is no rival of "none": 0.8, not the gap 0.02.
  const std::vector<float> scores = {0.9f, 0.2f, 0.5f, 0.55f, 0.1f, 0.1f, 0.08f};
  const auto confidences = query_confidences(pairs, scores, 0.5f);
  ASSERT_EQ(confidences.size(), 5u);
  EXPECT_NEAR(confidences[4].margin, 0.8f, 1e-6);
  EXPECT_TRUE(confidences[4].none_wins);
  EXPECT_NEAR(confidences[0].margin, 0.7f, 1e-6);
  EXPECT_EQ(confidences[0].best_pair, 0);
  EXPECT_FALSE(confidences[0].none_wins);
  EXPECT_NEAR(confidences[1].margin, 0.05f, 1e-6);
  EXPECT_EQ(confidences[1].best_pair, 3);
  EXPECT_NEAR(confidences[2].margin, 0.8f, 1e-6);
  EXPECT_TRUE(confidences[2].none_wins);
  EXPECT_EQ(confidences[3].best_pair, -1);  // no candidates: nothing to decide
  EXPECT_EQ(confidences[3].margin, 1.0f);
}

TEST(LeastCertainTest, SmallestMarginFirstSkippingAnsweredAndEmptyQueries) {
  std::vector<QueryConfidence> confidences(5);
  const float margins[] = {0.4f, 0.1f, 0.1f, 0.05f, 0.0f};
  for (std::size_t query = 0; query < 5; ++query) {
    confidences[query].margin = margins[query];
    confidences[query].best_pair = static_cast<std::int64_t>(query);
  }
  confidences[4].best_pair = -1;  // no candidates
  const std::vector<std::uint8_t> answered = {0, 0, 0, 1, 0};
  EXPECT_EQ(least_certain(confidences, answered, 2), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(least_certain(confidences, answered, 10), (std::vector<std::uint32_t>{1, 2, 0}));
  EXPECT_TRUE(least_certain(confidences, answered, 0).empty());
}

TEST(MarginForPrecisionTest, LowestMarginWhoseQueriesAboveAreRightOftenEnough) {
  // 20 queries: margins 0.95, 0.90, ... 0.00; the top 12 right, the rest alternate.
  std::vector<float> margins;
  std::vector<std::uint8_t> correct;
  for (int idx = 0; idx < 20; ++idx) {
    margins.push_back(0.95f - 0.05f * static_cast<float>(idx));
    correct.push_back(idx < 12 || idx % 2 == 0);
  }
  // Precision 1 holds down to the 13th query (margin 0.35; query 12 alternates to right).
  EXPECT_NEAR(margin_for_precision(margins, correct, 1.0), 0.35f, 1e-6);
  // Everything together: 16 of 20 right = 0.8.
  EXPECT_EQ(margin_for_precision(margins, correct, 0.8), 0.0f);
  // Out of reach: escalate everything.
  std::vector<std::uint8_t> all_wrong(20, 0);
  EXPECT_TRUE(std::isinf(margin_for_precision(margins, all_wrong, 0.5)));
}

TEST(PlattScalingTest, FitsAMonotoneCalibrationAndStaysFiniteOnSeparableData) {
  std::mt19937 random(3);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  // Raw scores overstate matches: the true match rate at raw p is p^2.
  std::vector<float> scores, labels;
  for (int idx = 0; idx < 4000; ++idx) {
    const float raw = uniform(random);
    scores.push_back(raw);
    labels.push_back(uniform(random) < raw * raw ? 1.0f : 0.0f);
  }
  const PlattScaling scaling = PlattScaling::fit(scores, labels);
  EXPECT_LT(scaling.apply(0.5f), 0.4f);  // true rate 0.25
  EXPECT_LT(scaling.apply(0.3f), scaling.apply(0.7f));
  // Perfectly separable: Newton without a line search diverges here; the fit must stay finite.
  const std::vector<float> separable_scores = {0.1f, 0.2f, 0.3f, 0.7f, 0.8f, 0.9f};
  const std::vector<float> separable_labels = {0, 0, 0, 1, 1, 1};
  const PlattScaling steep = PlattScaling::fit(separable_scores, separable_labels);
  EXPECT_TRUE(std::isfinite(steep.a) && std::isfinite(steep.b));
  EXPECT_GT(steep.apply(0.9f), 0.7f);
  EXPECT_LT(steep.apply(0.1f), 0.3f);
  // One class only: identity.
  const PlattScaling identity = PlattScaling::fit(separable_scores, std::vector<float>(6, 1.0f));
  EXPECT_NEAR(identity.apply(0.3f), 0.3f, 1e-5);
}

// Three queries sharing two records: q0 and q1 both have record 0 and 1 among their candidates,
// q2 only record 1.
candidates::CandidatePairs shared_records() {
  candidates::CandidatePairs pairs;
  pairs.num_left = 3;
  pairs.num_right = 2;
  pairs.left = {0, 0, 1, 1, 2};
  pairs.right = {0, 1, 0, 1, 1};
  pairs.score.assign(5, 0.5f);
  pairs.rank_in_left = {1, 2, 1, 2, 1};
  pairs.rank_in_right = {1, 1, 2, 2, 3};
  pairs.query_offsets = {0, 2, 4, 5};
  return pairs;
}

TEST(RecordClaimsTest, ATeacherChoiceYieldsToASurerStudentMatchOfAnotherQuery) {
  const auto pairs = shared_records();
  // The student: q0 -> record 0 (0.95), q1 -> record 1 (0.6), q2 -> record 1 (0.3).
  const std::vector<float> student = {0.95f, 0.2f, 0.4f, 0.6f, 0.3f};
  const RecordClaims claims(pairs, student);
  EXPECT_FLOAT_EQ(claims.strongest_other(0, 1), 0.95f);  // for q1, record 0 is q0's
  EXPECT_FLOAT_EQ(claims.strongest_other(0, 0), 0.4f);   // for q0, the runner-up claim is q1's
  EXPECT_FLOAT_EQ(claims.strongest_other(1, 1), 0.3f);
  // The teacher names record 0 for q1 (pair 2): q0 holds it at 0.95 above the threshold -> yield.
  EXPECT_TRUE(claims.claimed_elsewhere(2, 0.5f));
  // ... unless q0's claim is below the threshold (the student would not match it anyway).
  EXPECT_FALSE(claims.claimed_elsewhere(2, 0.97f));
  // The teacher names record 1 for q2 (pair 4): q1 holds it at 0.6 -> yield; for q1 (pair 3), q2's
  // claim (0.3) is below the threshold -> the teacher decides.
  EXPECT_TRUE(claims.claimed_elsewhere(4, 0.5f));
  EXPECT_FALSE(claims.claimed_elsewhere(3, 0.5f));
  // The teacher's pair scores at least as high as the other claim: the teacher decides.
  const std::vector<float> tied = {0.6f, 0.2f, 0.6f, 0.1f, 0.1f};
  EXPECT_FALSE(RecordClaims(pairs, tied).claimed_elsewhere(2, 0.5f));
  EXPECT_FALSE(claims.claimed_elsewhere(-1, 0.5f));  // "none" names no record
}

TEST(TeacherDecisionTest, NoneDoesNotOverruleAStudentMatchAndRankingsSurvive) {
  QueryConfidence student_match;
  student_match.best = 0.8f;
  QueryConfidence student_none;
  student_none.best = 0.3f;
  student_none.none_wins = true;
  EXPECT_TRUE(teacher_decides(3, student_match));   // a named candidate always decides
  EXPECT_TRUE(teacher_decides(3, student_none));
  EXPECT_FALSE(teacher_decides(-1, student_match)); // "none" does not overrule a student's match
  EXPECT_TRUE(teacher_decides(-1, student_none));
  const auto pairs = pairs_with({3});
  std::vector<float> scores = {0.9f, 0.6f, 0.3f};
  apply_teacher_decision(pairs, 0, 2, scores);
  EXPECT_EQ(scores[2], 1.0f);
  EXPECT_GT(scores[0], scores[1]);  // the others keep their order, far below any threshold
  EXPECT_LT(scores[0], 0.01f);
  apply_teacher_decision(pairs, 0, -1, scores);
  EXPECT_LT(scores[2], 0.011f);
}

}  // namespace
}  // namespace matchmaker::route
