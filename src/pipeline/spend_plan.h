// What a run will ask its teacher and what that may cost, worked out before the first question: logged
// at the start of every run whose teacher is paid (an LLM), and all that `--dry-run` does.
//
// Each count is an upper bound the run keeps to: the training sample is exactly the budget's count, and
// escalation asks at most what its goal allows (fewer when the student is sure, or when a cap is
// reached first). Tokens and money are estimated from above, the way the call budget reserves them
// (prompt: characters / 3 of the prompts as they would be sent; answer: its token limit), so that a
// plan is not short; actual usage is what the provider reports. Answers already in the workspace's
// cache cost nothing and are not subtracted.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "teacher/teacher.h"

namespace matchmaker::pipeline {

struct SpendPlan {
  // Counts.
  std::string teacher;                    // who labels the training sample
  std::size_t answerable_queries = 0;     // queries with candidates that teacher can answer
  std::size_t sample_questions = 0;       // the training sample
  std::string escalation_teacher;         // who answers escalated queries; empty: no escalation
  std::size_t escalation_questions = 0;   // at most
  bool escalation_fixed_after_training = false;  // a precision goal: the count is known only then
  std::optional<double> escalation_max_usd;       // a money goal (--escalate-max-usd) caps their cost
  // Cost of one question (nullopt: that teacher costs nothing).
  std::optional<teacher::QuestionCost> sample_cost;
  std::optional<teacher::QuestionCost> escalation_cost;
  // The run's hard caps (--teacher-max-*), which stop the asking wherever the plan would pass them.
  std::optional<std::int64_t> max_calls;
  std::optional<std::int64_t> max_tokens;
  std::optional<double> max_usd;

  bool paid() const { return sample_cost.has_value() || escalation_cost.has_value(); }
  std::size_t questions() const { return sample_questions + escalation_questions; }
  // Over the paid questions, at most (before the hard caps; the escalations' money within their goal).
  double prompt_tokens() const;
  double completion_tokens() const;
  double usd() const;
  bool priced() const;

  nlohmann::json to_json() const;
  // Log lines, e.g. "plan: openai:gpt-4o-mini labels a training sample of 100 queries (of 1000 it can
  // answer) ..."; see the README's "What a run will cost".
  std::vector<std::string> describe() const;
};

}  // namespace matchmaker::pipeline
