// A teacher behind any OpenAI-compatible chat endpoint ("openai:MODEL"): one select question per
// query, answers parsed strictly, every received answer stored in the workspace cache before
// anything else happens, so nothing is ever paid for twice — not even across a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "teacher/call_budget.h"
#include "teacher/chat_client.h"
#include "teacher/teacher.h"

namespace matchmaker::workspace {
class Workspace;
}

namespace matchmaker::teacher {

struct LlmTeacherSettings {
  std::size_t concurrency = 4;         // requests in flight
  std::uint64_t seed = 42;             // candidate shuffling (the order is part of the cached prompt)
  std::size_t max_value_chars = 200;   // per serialised value
  // Non-empty: do not call; write the uncached questions as OpenAI Batch API requests to this file
  // (custom_id = the cache key), for `matchmaker batch-import` to bring the results into the cache.
  std::string batch_export_path;
};

// Counts of what happened to the questions of one answer() call, for logs and metrics.
struct LlmTeacherReport {
  std::size_t asked = 0;        // questions
  std::size_t cached = 0;       // answered from the cache, no call
  std::size_t called = 0;       // sent (or attempted) to the endpoint
  std::size_t accepted = 0;     // parsed to a valid candidate or "none"
  std::size_t rejected = 0;     // malformed, out of range, ambiguous or refusal
  std::size_t failed = 0;       // transport failures after retries
  std::size_t over_budget = 0;  // refused by the budget, never sent
  std::size_t exported = 0;     // written to a batch file instead of sent
};

class LlmTeacher final : public Teacher {
 public:
  // `caps` are this teacher's own; `run_budget` (optional) the run's, which every call must fit too.
  // REQUIRES: `cache` outlives the teacher. Throws InputError for a bad configuration.
  LlmTeacher(std::string spec, ChatConfig config, BudgetCaps caps, ModelPrice price, LlmTeacherSettings settings,
             workspace::Workspace* cache, std::shared_ptr<CallBudget> run_budget = nullptr);

  std::string spec() const override { return spec_; }
  std::vector<TeacherAnswer> answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) override;
  // Each question's prompt is built as answer() would send it (cache not consulted).
  std::optional<QuestionCost> question_cost(const MatchProblem& problem, std::span<const TeacherQuery> queries) override;

  nlohmann::json report() const override;

  struct PreparedQuestion;  // a question as sent (prompt, cache key, candidate order)

 private:
  PreparedQuestion prepare(const MatchProblem& problem, const TeacherQuery& query) const;
  void export_batch(const std::vector<PreparedQuestion>& prepared, const std::vector<std::size_t>& to_send);

  std::string spec_;
  ChatClient client_;
  CallBudget budget_;
  ModelPrice price_;
  LlmTeacherSettings settings_;
  workspace::Workspace* cache_;
  LlmTeacherReport report_;
  std::string last_failure_;  // the last transport error, for the message when every call failed
};

}  // namespace matchmaker::teacher
