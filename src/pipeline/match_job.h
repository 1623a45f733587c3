// The entity-resolution job end to end: load -> normalise -> candidates -> features -> select ->
// teacher -> student -> route -> resolve -> write. The CLI, tests and benchmarks all run it through here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "io/table_reader.h"
#include "resolve/resolve.h"
#include "pipeline/distill.h"

namespace matchmaker::pipeline {

struct MatchConfig {
  std::string left_path;
  std::string right_path;                 // empty: deduplicate the left table
  std::string id_column = "id";
  io::TableFormat format = io::TableFormat::kAuto;
  char delimiter = '\0';
  std::string out_path;                   // matches CSV: left_id,right_id,score[,cluster]
  // Teacher, budget, selection, routing, seed and threads: what every task shares (distill.h).
  DistillSettings distill;
  std::string replay_gold;                // replay / simulated teachers: gold pairs (benchmarks only)
  int top_k = 10;                         // candidates per record and direction
  // Candidate search: terms held by more records than this are left out of its first pass (they
  // still count in the exact score; candidates/pruned_search.h). 0: every term searched.
  std::int64_t common_term_rows = 1000;
  std::string resolve = "auto";           // auto: unique-mapping (two tables) / connected-components (one)
  static constexpr float kAutoThreshold = -1.0f;
  float threshold = kAutoThreshold;       // minimum student probability of a match; auto: see resolve/threshold.h
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
