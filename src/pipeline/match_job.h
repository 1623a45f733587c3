// The entity-resolution job end to end: load -> normalise -> candidates -> features -> select ->
// teacher -> student -> resolve -> write. The CLI, tests and benchmarks all run it through here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "io/table_reader.h"
#include "resolve/resolve.h"
#include "select/query_selection.h"

namespace matchmaker::pipeline {

struct MatchConfig {
  std::string left_path;
  std::string right_path;                 // empty: deduplicate the left table
  std::string id_column = "id";
  io::TableFormat format = io::TableFormat::kAuto;
  char delimiter = '\0';
  std::string out_path;                   // matches CSV: left_id,right_id,score[,cluster]
  std::string teacher = "unsupervised";   // "unsupervised", "replay:FILE[,FILE...]" or "none"
  std::string replay_gold;                // replay teacher only: gold for the replay rule (benchmarks)
  // LLM teachers (openai:MODEL): caps, prices and transport.
  std::optional<std::int64_t> teacher_max_calls;
  std::optional<std::int64_t> teacher_max_tokens;
  std::optional<double> teacher_max_usd;
  double usd_per_million_prompt_tokens = 0.0;
  double usd_per_million_completion_tokens = 0.0;
  std::size_t teacher_concurrency = 4;
  double teacher_timeout_seconds = 60.0;
  int teacher_retries = 5;
  double teacher_budget = 0.10;           // share (<= 1) or number (> 1) of queries the teacher sees
  select::SelectionStrategy selection = select::SelectionStrategy::kBlockingMax;
  int top_k = 10;                         // candidates per record and direction
  int teacher_candidates = 10;            // candidates shown to the teacher per query
  std::string resolve = "auto";           // auto: unique-mapping (two tables) / connected-components (one)
  static constexpr float kAutoThreshold = -1.0f;
  float threshold = kAutoThreshold;       // minimum student probability of a match; auto: see resolve/threshold.h
  int threads = 0;                        // 0: all cores
  std::uint64_t seed = 42;
  std::string gold_path;                  // optional: evaluate against these pairs
  std::string eval_queries_path;          // optional: query accuracy over these left ids (needs gold)
  std::string metrics_path;               // optional: metrics JSON
  std::string sft_path;                   // optional: the teacher's answers as chat JSONL for fine-tuning
  std::string workspace_path;             // SQLite workspace recording the run, model, matches and the LLM
                                          // answer cache; LLM teachers default to OUT.workspace.db
};

// Validates, runs and writes every output. Throws InputError for bad input (exit 2) and
// RuntimeFailure for failures of the environment (exit 1). Outputs appear only on success.
void run_match(const MatchConfig& config);

}  // namespace matchmaker::pipeline
