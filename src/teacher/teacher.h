// The teacher interface: something that, shown one query record and a short list of candidates,
// names the matching candidate or says none. LLMs, recordings and the built-in mixture all fit it.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "candidates/candidate_pairs.h"
#include "features/feature_matrix.h"
#include "matchmaker/table.h"
#include "teacher/call_budget.h"

namespace matchmaker::workspace {
class Workspace;
}

namespace matchmaker::teacher {

// Everything a teacher may look at. The gold standard is never part of it.
struct MatchProblem {
  const Table* left = nullptr;
  const Table* right = nullptr;  // == left for deduplication
  const candidates::CandidatePairs* pairs = nullptr;
  const features::FeatureMatrix* features = nullptr;
};

// One question: a query record and the candidate pairs shown for it, in the order shown.
struct TeacherQuery {
  std::uint32_t query = 0;               // left row
  std::vector<std::uint64_t> shown;      // indices into MatchProblem::pairs
  // Show the candidates in this order (the student's ranking, best first) instead of shuffled.
  bool keep_order = false;
};

struct TeacherAnswer {
  std::uint32_t query = 0;
  bool answered = false;        // false: the teacher failed or refused; no label comes from it
  int chosen = -1;              // index into TeacherQuery::shown; -1 = "none of these"
  float confidence = 0.0f;      // in [0, 1], the teacher's own
  std::string explanation;
  // Which shown candidates the answer speaks about (parallel to TeacherQuery::shown); empty = all.
  // A recorded answer given over another candidate list says nothing about candidates it never saw,
  // and labelling those as non-matches would be wrong.
  std::vector<std::uint8_t> judged;
};

// What one question to a paid teacher costs, estimated before anything is asked: the estimates the
// call budget reserves with (chat_client.h), from above, so that a plan is not short.
struct QuestionCost {
  double prompt_tokens = 0.0;          // mean over the questions measured
  std::int64_t completion_tokens = 0;  // at most: the answer's token limit
  double usd = 0.0;                    // at most, at the configured prices (0 without prices)
  bool priced = false;                 // prices were given (--teacher-price)
  std::size_t questions_measured = 0;
};

// Settings some teachers need besides their spec.
struct TeacherOptions {
  std::string replay_gold;  // replay: gold pairs, for the replay rule only (benchmarks); never for matching
  // simulated:RATE: gold as (left row, right row) pairs (benchmarks only; never for matching).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> simulated_gold;
  // LLM teachers (openai:MODEL):
  workspace::Workspace* cache = nullptr;       // answer cache; REQUIRED for LLM teachers
  // The user's hard caps on the whole run (unset = unlimited), held by `run_budget`.
  std::optional<std::int64_t> max_calls;
  std::optional<std::int64_t> max_tokens;
  std::optional<double> max_usd;
  // The run's budget, shared by every LLM teacher built with these options (vote members, the
  // escalation teacher), so that the caps hold for the run and not per teacher. Unset: make_teacher
  // makes one from the caps above, shared by the teachers it builds in that call.
  std::shared_ptr<CallBudget> run_budget;
  // Caps of the teacher built, inside the run's (e.g. escalation: at most the escalated queries).
  BudgetCaps own_caps;
  double usd_per_million_prompt_tokens = 0.0;  // prices, for the money cap and the cost report
  double usd_per_million_completion_tokens = 0.0;
  std::size_t concurrency = 4;
  double timeout_seconds = 60.0;
  int max_answer_tokens = 400;
  int max_retries = 5;
  std::uint64_t seed = 42;
  std::string batch_export_path;  // batch:MODEL: where the Batch API requests are written
};

// True when the spec (votes included) calls an LLM endpoint, now (openai:) or through a batch (batch:).
bool calls_llm(const std::string& spec);
// True when the spec (votes included) asks through a batch (batch:): answers come only after an import.
bool exports_batch(const std::string& spec);
// The single teachers of a spec: its vote members, recursively ("majority:openai:a|openai:b" ->
// {"openai:a", "openai:b"}), or the spec itself.
std::vector<std::string> leaf_teachers(const std::string& spec);
// True when the spec (votes included) holds the built-in unsupervised teacher.
bool uses_builtin_teacher(const std::string& spec);
// True when the spec (votes included) holds a simulated teacher, which answers from the gold it is given.
bool uses_simulated_teacher(const std::string& spec);
// The spec whose run wrote, as Batch API requests, the answers `spec` reads from the cache: every
// openai:MODEL in it as batch:MODEL ("majority:openai:a|openai:b" -> "majority:batch:a|batch:b");
// "" when `spec` calls no openai: endpoint.
std::string batch_spec_of(const std::string& spec);

// The recordings a spec replays (replay:FILE[,FILE...], votes included): inputs of the run.
std::vector<std::string> recording_files(const std::string& spec);

// Throws InputError when `spec` names no teacher, without building one (no network; a replay:
// recording is only checked to be readable).
void check_teacher_spec(const std::string& spec);

class Teacher {
 public:
  virtual ~Teacher() = default;
  // The spec string that built it ("unsupervised"); logged and stored with its answers.
  virtual std::string spec() const = 0;
  // Answers every query (answers[i] belongs to queries[i]).
  virtual std::vector<TeacherAnswer> answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) = 0;
  // The left rows this teacher can answer (1) and cannot (0); empty: every one. Selection and routing
  // ask only about askable queries and take their budget shares of those: a recording answers only the
  // queries it holds, and asking it about others would spend the budget on failed calls.
  virtual std::vector<std::uint8_t> askable(const MatchProblem&) { return {}; }
  // What each of these questions would cost, estimated without asking and without the answer cache
  // (a cached answer costs nothing); nullopt for a teacher that costs nothing (built-in, recordings).
  virtual std::optional<QuestionCost> question_cost(const MatchProblem&, std::span<const TeacherQuery>) {
    return std::nullopt;
  }
  // What answering cost and how it went (calls, cache hits, tokens, money, rejected answers), for metrics.
  virtual nlohmann::json report() const { return nlohmann::json::object(); }
};

// The largest money cap taken (a larger one overflows the budget's nano-dollar count).
inline constexpr double kMaxUsdCap = 1e9;

// Throws InputError for a negative or non-finite run cap (or a money cap above kMaxUsdCap).
void check_run_caps(const TeacherOptions& options);
// The budget of a run with these options' caps (checked as check_run_caps does).
std::shared_ptr<CallBudget> make_run_budget(const TeacherOptions& options);

// Builds a teacher from its spec: "unsupervised", "replay:FILE[,FILE...]", "openai:MODEL" (endpoint
// from OPENAI_BASE_URL, key from OPENAI_API_KEY), "batch:MODEL", "simulated:RATE" or a vote
// ("majority:SPEC|SPEC...", "weighted:..."). Throws InputError naming the valid specs for an unknown
// one.
std::unique_ptr<Teacher> make_teacher(const std::string& spec, const TeacherOptions& options = {});

}  // namespace matchmaker::teacher
