#include "teacher/call_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace matchmaker::teacher {
namespace {

TEST(CallBudgetTest, UnsetCapsAreUnlimited) {
  CallBudget budget;
  for (int call = 0; call < 1000; ++call) {
    const ReserveResult admitted = budget.reserve("any-model", 1'000'000, 1'000'000);
    ASSERT_TRUE(admitted) << admitted.refusal;
    EXPECT_TRUE(budget.settle(*admitted.reservation, 10, 5));
  }
  const BudgetReport report = budget.report();
  EXPECT_EQ(report.calls, 1000);
  EXPECT_EQ(report.refused, 0);
  EXPECT_EQ(report.prompt_tokens, 10'000);
  EXPECT_EQ(report.completion_tokens, 5'000);
  EXPECT_EQ(report.usd, 0.0);  // no price given: cost unknown, reported as 0
}

TEST(CallBudgetTest, CallsCapRefusesWithReason) {
  CallBudget budget(BudgetCaps{.max_calls = 2});
  ASSERT_TRUE(budget.reserve("m", 1, 1));
  ASSERT_TRUE(budget.reserve("m", 1, 1));
  const ReserveResult refused = budget.reserve("m", 1, 1);
  EXPECT_FALSE(refused);
  EXPECT_FALSE(refused.reservation.has_value());
  EXPECT_EQ(refused.refusal, "calls cap 2 reached");
  EXPECT_EQ(budget.report().refused, 1);
  EXPECT_EQ(budget.report().in_flight, 2);
}

TEST(CallBudgetTest, ZeroCapAdmitsNothing) {
  CallBudget budget(BudgetCaps{.max_calls = 0});
  EXPECT_FALSE(budget.reserve("m", 0, 0));
}

TEST(CallBudgetTest, CallsCapNeverExceededUnderContention) {
  CallBudget budget(BudgetCaps{.max_calls = 100});
  std::atomic<int> admitted{0};
  std::atomic<int> refused{0};
  {
    std::vector<std::jthread> workers;
    for (int worker = 0; worker < 16; ++worker) {
      workers.emplace_back([&] {
        for (int attempt = 0; attempt < 100; ++attempt) {
          const ReserveResult result = budget.reserve("m", 3, 4);
          if (!result) {
            ++refused;
            continue;
          }
          ++admitted;
          budget.settle(*result.reservation, 3, 4);
        }
      });
    }
  }
  EXPECT_EQ(admitted.load(), 100);
  EXPECT_EQ(refused.load(), 1500);
  const BudgetReport report = budget.report();
  EXPECT_EQ(report.calls, 100);
  EXPECT_EQ(report.refused, 1500);
  EXPECT_EQ(report.tokens(), 700);
  EXPECT_EQ(report.in_flight, 0);
}

TEST(CallBudgetTest, ReleaseReturnsTheCall) {
  CallBudget budget(BudgetCaps{.max_calls = 1, .max_tokens = 100});
  const ReserveResult first = budget.reserve("m", 60, 20);
  ASSERT_TRUE(first);
  EXPECT_EQ(budget.report().reserved_tokens, 80);
  EXPECT_FALSE(budget.reserve("m", 1, 1));
  EXPECT_TRUE(budget.release(*first.reservation));
  const BudgetReport report = budget.report();
  EXPECT_EQ(report.calls, 0);
  EXPECT_EQ(report.released, 1);
  EXPECT_EQ(report.reserved_tokens, 0);
  EXPECT_TRUE(budget.reserve("m", 60, 20));
}

TEST(CallBudgetTest, SettleReplacesTheEstimate) {
  CallBudget budget(BudgetCaps{.max_tokens = 1000});
  const ReserveResult held = budget.reserve("m", 400, 100);
  ASSERT_TRUE(held);
  EXPECT_EQ(budget.report().reserved_tokens, 500);
  EXPECT_TRUE(budget.settle(*held.reservation, 120, 30));
  const BudgetReport report = budget.report();
  EXPECT_EQ(report.reserved_tokens, 0);
  EXPECT_EQ(report.prompt_tokens, 120);
  EXPECT_EQ(report.completion_tokens, 30);
  EXPECT_EQ(report.calls, 1);
  EXPECT_EQ(report.in_flight, 0);
}

TEST(CallBudgetTest, SettleAndReleaseAreIdempotent) {
  CallBudget budget;
  const ReserveResult held = budget.reserve("m", 10, 10);
  ASSERT_TRUE(held);
  EXPECT_TRUE(budget.settle(*held.reservation, 5, 5));
  EXPECT_FALSE(budget.settle(*held.reservation, 5, 5));
  EXPECT_FALSE(budget.release(*held.reservation));
  const BudgetReport report = budget.report();
  EXPECT_EQ(report.tokens(), 10);
  EXPECT_EQ(report.calls, 1);
  EXPECT_EQ(report.released, 0);

  // A reservation of another budget is not outstanding here.
  CallBudget other;
  const ReserveResult foreign = other.reserve("m", 1, 1);
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(budget.settle(*foreign.reservation, 1, 1));
}

TEST(CallBudgetTest, TokenCapCountsInFlightReservations) {
  CallBudget budget(BudgetCaps{.max_tokens = 100});
  const ReserveResult first = budget.reserve("m", 30, 20);
  ASSERT_TRUE(first);
  ASSERT_TRUE(budget.reserve("m", 30, 20));  // 100 of 100 held
  const ReserveResult third = budget.reserve("m", 1, 0);
  EXPECT_FALSE(third);
  EXPECT_EQ(third.refusal.rfind("token cap 100 reached", 0), 0u) << third.refusal;
  // Settling below the estimate frees room.
  EXPECT_TRUE(budget.settle(*first.reservation, 10, 5));
  EXPECT_TRUE(budget.reserve("m", 20, 15));
}

TEST(CallBudgetTest, TokenCapStopsCallsOnceUsageExceedsIt) {
  CallBudget budget(BudgetCaps{.max_tokens = 100});
  const ReserveResult held = budget.reserve("m", 10, 10);
  ASSERT_TRUE(held);
  EXPECT_TRUE(budget.settle(*held.reservation, 150, 10));  // the provider used more than estimated
  EXPECT_EQ(budget.report().tokens(), 160);
  EXPECT_FALSE(budget.reserve("m", 0, 0));
}

TEST(CallBudgetTest, MoneyCapUsesModelPrices) {
  // $1 per million prompt tokens, $4 per million completion tokens; cap one cent.
  CallBudget budget(BudgetCaps{.max_usd = 0.01}, {{"priced", ModelPrice{1.0, 4.0}}});
  // 2000 prompt + 500 completion = $0.002 + $0.002 = $0.004 each.
  const ReserveResult first = budget.reserve("priced", 2000, 500);
  ASSERT_TRUE(first) << first.refusal;
  EXPECT_EQ(first.reservation->nano_usd, 4'000'000);
  ASSERT_TRUE(budget.reserve("priced", 2000, 500));  // $0.008 held
  const ReserveResult third = budget.reserve("priced", 2000, 500);
  EXPECT_FALSE(third);
  EXPECT_EQ(third.refusal.rfind("money cap", 0), 0u) << third.refusal;

  EXPECT_TRUE(budget.settle(*first.reservation, 1000, 250));  // actually $0.002
  const BudgetReport report = budget.report();
  EXPECT_DOUBLE_EQ(report.usd, 0.002);
  EXPECT_DOUBLE_EQ(report.reserved_usd, 0.004);
  EXPECT_TRUE(budget.reserve("priced", 2000, 500));  // 0.002 + 0.004 + 0.004 = 0.010 fits exactly
}

TEST(CallBudgetTest, MoneyCapRefusesAModelWithoutPrice) {
  CallBudget budget(BudgetCaps{.max_usd = 10.0});
  const ReserveResult refused = budget.reserve("unpriced", 1, 1);
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.refusal.rfind("money cap", 0), 0u) << refused.refusal;
  EXPECT_NE(refused.refusal.find("unpriced"), std::string::npos);
  budget.set_price("unpriced", ModelPrice{0.15, 0.60});
  EXPECT_TRUE(budget.reserve("unpriced", 1, 1));
}

TEST(CallBudgetTest, MoneyIsRoundedUpNeverDown) {
  CallBudget budget({}, {{"cheap", ModelPrice{0.15, 0.60}}});
  const ReserveResult held = budget.reserve("cheap", 0, 0);
  ASSERT_TRUE(held);
  // 1 prompt token at $0.15 per million = 150 nano-dollars exactly; 7 tokens = 1050.
  EXPECT_TRUE(budget.settle(*held.reservation, 7, 0));
  EXPECT_DOUBLE_EQ(budget.report().usd, 1050e-9);
  const ReserveResult fractional = budget.reserve("cheap", 0, 0);
  ASSERT_TRUE(fractional);
  budget.set_price("cheap", ModelPrice{0.0001, 0.0});  // 0.1 nano-dollars per token
  EXPECT_TRUE(budget.settle(*fractional.reservation, 1, 0));
  EXPECT_DOUBLE_EQ(budget.report().usd, 1051e-9);
}

TEST(CallBudgetTest, NegativeCountsAreRejected) {
  CallBudget budget;
  EXPECT_THROW(budget.reserve("m", -1, 0), std::invalid_argument);
  const ReserveResult held = budget.reserve("m", 1, 1);
  ASSERT_TRUE(held);
  EXPECT_THROW(budget.settle(*held.reservation, 0, -5), std::invalid_argument);
  EXPECT_EQ(budget.report().in_flight, 1);
}

// Vote members and the escalation teacher each have a budget inside the run's: the run's caps hold
// for all of them together (before, each member could spend the whole cap).
TEST(CallBudgetTest, ChildrenShareTheParentsCaps) {
  auto run = std::make_shared<CallBudget>(BudgetCaps{.max_calls = 5});
  CallBudget member_a({}, {}, run), member_b({}, {}, run);
  int admitted = 0;
  for (int round = 0; round < 10; ++round) {
    for (CallBudget* member : {&member_a, &member_b}) {
      const ReserveResult held = member->reserve("m", 10, 5);
      if (!held) {
        EXPECT_EQ(held.refusal, "calls cap 5 reached");
        continue;
      }
      ++admitted;
      EXPECT_TRUE(member->settle(*held.reservation, 8, 4));
    }
  }
  EXPECT_EQ(admitted, 5);
  EXPECT_EQ(run->report().calls, 5);
  EXPECT_EQ(member_a.report().calls + member_b.report().calls, 5);
  // Each child reports its own spending; the parent the sum.
  EXPECT_EQ(member_a.report().tokens() + member_b.report().tokens(), 60);
  EXPECT_EQ(run->report().tokens(), 60);
  EXPECT_EQ(run->report().in_flight, 0);
}

TEST(CallBudgetTest, ChildCapsHoldInsideTheParents) {
  auto run = std::make_shared<CallBudget>(BudgetCaps{.max_usd = 1.0});
  CallBudget escalation(BudgetCaps{.max_calls = 2}, {{"m", {1e6, 0}}}, run);  // $1 per prompt token
  // The price given to the child reaches the parent: the run's money cap can judge the call.
  const ReserveResult first = escalation.reserve("m", 0, 0);
  ASSERT_TRUE(first) << first.refusal;
  const ReserveResult too_dear = escalation.reserve("m", 2, 0);  // $2 > the run's $1
  EXPECT_FALSE(too_dear);
  EXPECT_EQ(too_dear.refusal.rfind("money cap", 0), 0u) << too_dear.refusal;
  EXPECT_TRUE(escalation.reserve("m", 1, 0));
  const ReserveResult third = escalation.reserve("m", 0, 0);
  EXPECT_FALSE(third);
  EXPECT_EQ(third.refusal, "calls cap 2 reached");
  // Releasing in the child releases in the parent.
  EXPECT_TRUE(escalation.release(*first.reservation));
  EXPECT_EQ(run->report().calls, 1);
  EXPECT_EQ(run->report().released, 1);
}

TEST(CallBudgetTest, ExtendHoldsMoreWithinTheCaps) {
  auto run = std::make_shared<CallBudget>(BudgetCaps{.max_tokens = 100});
  CallBudget teacher(BudgetCaps{.max_tokens = 60}, {}, run);
  ReserveResult held = teacher.reserve("m", 20, 10);
  ASSERT_TRUE(held);
  Reservation reservation = *held.reservation;
  EXPECT_EQ(teacher.extend(reservation, 20, 10), "");  // 60 held: the child's cap exactly
  EXPECT_EQ(reservation.prompt_tokens, 40);
  EXPECT_EQ(run->report().reserved_tokens, 60);
  EXPECT_EQ(teacher.extend(reservation, 1, 0).rfind("token cap 60", 0), 0u);
  EXPECT_EQ(reservation.prompt_tokens, 40);  // unchanged by a refusal
  EXPECT_TRUE(teacher.settle(reservation, 50, 10));
  EXPECT_EQ(run->report().tokens(), 60);
  EXPECT_EQ(run->report().reserved_tokens, 0);
  EXPECT_NE(teacher.extend(reservation, 1, 1), "");  // settled: nothing to extend
}

TEST(CallBudgetTest, CapsThatCompareFalseAreRejected) {
  EXPECT_THROW(CallBudget(BudgetCaps{.max_usd = std::nan("")}), std::invalid_argument);
  EXPECT_THROW(CallBudget(BudgetCaps{.max_usd = INFINITY}), std::invalid_argument);
  EXPECT_THROW(CallBudget(BudgetCaps{.max_calls = -1}), std::invalid_argument);
}

}  // namespace
}  // namespace matchmaker::teacher
