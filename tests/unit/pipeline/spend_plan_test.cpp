#include "pipeline/spend_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace matchmaker::pipeline {
namespace {

teacher::QuestionCost cost(double prompt_tokens, std::int64_t completion_tokens, double usd, bool priced = true) {
  teacher::QuestionCost result;
  result.prompt_tokens = prompt_tokens;
  result.completion_tokens = completion_tokens;
  result.usd = usd;
  result.priced = priced;
  result.questions_measured = 7;
  return result;
}

// A plan whose sample and escalations are both paid.
SpendPlan paid_plan(const std::string& teacher, std::size_t samples, const teacher::QuestionCost& sample_cost,
                    const std::string& escalation_teacher, std::size_t escalations,
                    const teacher::QuestionCost& escalation_cost) {
  SpendPlan plan;
  plan.teacher = teacher;
  plan.sample_questions = samples;
  plan.sample_cost = sample_cost;
  plan.escalation_teacher = escalation_teacher;
  plan.escalation_questions = escalations;
  plan.escalation_cost = escalation_cost;
  return plan;
}

bool has_line(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line == text; });
}

// A cheap model labels the sample and a dearer one answers escalations: the totals add both.
TEST(SpendPlanTest, TotalsAddTheSampleAndTheEscalationsAtTheirOwnCosts) {
  SpendPlan plan = paid_plan("openai:small", 10, cost(100, 50, 0.01), "openai:large", 5, cost(200, 50, 0.02));
  plan.answerable_queries = 100;
  plan.max_calls = 12;
  EXPECT_TRUE(plan.paid());
  EXPECT_EQ(plan.questions(), 15u);
  EXPECT_DOUBLE_EQ(plan.prompt_tokens(), 10 * 100 + 5 * 200);
  EXPECT_DOUBLE_EQ(plan.completion_tokens(), 15 * 50);
  EXPECT_DOUBLE_EQ(plan.usd(), 10 * 0.01 + 5 * 0.02);

  const nlohmann::json json = plan.to_json();
  EXPECT_EQ(json["questions_max"], 15);
  EXPECT_EQ(json["escalation"]["teacher"], "openai:large");
  EXPECT_EQ(json["escalation"]["question_cost"]["prompt_tokens"], 200.0);
  EXPECT_EQ(json["caps"]["max_calls"], 12);
  EXPECT_DOUBLE_EQ(json["usd_max"].get<double>(), 0.2);

  const auto lines = plan.describe();
  EXPECT_TRUE(has_line(lines, "plan: openai:small labels a training sample of 10 queries (of 100 it can answer)"));
  EXPECT_TRUE(has_line(lines, "plan: then openai:large answers at most 5 escalated queries"));
  EXPECT_TRUE(has_line(lines, "plan: a sample question is about 100 prompt tokens (measured on 7 questions) and at most "
                              "50 answer tokens, at most $0.010000"));
  EXPECT_TRUE(has_line(lines, "plan: an escalation question is about 200 prompt tokens (measured on 7 questions) and at "
                              "most 50 answer tokens, at most $0.020000"));
  EXPECT_TRUE(has_line(lines, "plan: in all at most 15 questions, 2000 prompt + 750 answer tokens, $0.20"));
  EXPECT_TRUE(has_line(lines, "plan: hard caps 12 calls: asking stops where one would be crossed"));
}

// Without prices there are tokens but no money; a free escalation teacher adds questions, not cost.
TEST(SpendPlanTest, WithoutPricesThereIsNoMoneyEstimate) {
  SpendPlan plan;
  plan.teacher = "openai:m";
  plan.sample_questions = 4;
  plan.sample_cost = cost(10, 5, 0.0, false);
  plan.escalation_teacher = "unsupervised";
  plan.escalation_questions = 3;
  plan.escalation_fixed_after_training = true;
  EXPECT_FALSE(plan.priced());
  EXPECT_DOUBLE_EQ(plan.prompt_tokens(), 40);
  EXPECT_TRUE(plan.to_json()["usd_max"].is_null());
  const auto lines = plan.describe();
  EXPECT_TRUE(has_line(lines, "plan: in all at most 7 questions, 40 prompt + 20 answer tokens, no money estimate (no "
                              "--teacher-price)"));
  EXPECT_TRUE(has_line(lines, "plan: then unsupervised answers at most 3 escalated queries (the precision goal sets how "
                              "many, after training)"));
  EXPECT_TRUE(has_line(lines, "plan: no hard cap (--teacher-max-calls, --teacher-max-tokens, --teacher-max-usd): the run "
                              "asks all of it"));
}

// --escalate-max-usd caps the escalations' money, not their count (the run counts calls at what the
// sample's calls really cost, known only after them).
TEST(SpendPlanTest, AnEscalationMoneyGoalCapsTheirCost) {
  SpendPlan plan = paid_plan("openai:m", 10, cost(100, 50, 0.01), "openai:m", 100, cost(100, 50, 0.01));
  plan.escalation_max_usd = 0.25;
  EXPECT_DOUBLE_EQ(plan.usd(), 10 * 0.01 + 0.25);  // not 0.1 + 1.0
  EXPECT_DOUBLE_EQ(plan.prompt_tokens(), 110 * 100);
  EXPECT_EQ(plan.to_json()["escalation"]["max_usd"], 0.25);
  EXPECT_TRUE(has_line(plan.describe(), "plan: then openai:m answers at most 100 escalated queries, for at most $0.25"));
}

TEST(SpendPlanTest, AFreeTeacherHasNothingToPay) {
  SpendPlan plan;
  plan.teacher = "unsupervised";
  plan.sample_questions = 30;
  plan.answerable_queries = 300;
  EXPECT_FALSE(plan.paid());
  EXPECT_EQ(plan.describe().back(), "plan: no paid teacher: nothing to pay");
  EXPECT_TRUE(plan.to_json()["sample_question_cost"].is_null());
}

}  // namespace
}  // namespace matchmaker::pipeline
