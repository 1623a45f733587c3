// The matchmaker command line: parses options into a job config and runs it. No logic of its own.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "matchmaker/error.h"
#include "pipeline/match_job.h"
#include "teacher/batch_import.h"
#include "workspace/workspace.h"

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitFailure = 1;

void add_match_command(CLI::App& app, matchmaker::pipeline::MatchConfig& config, std::string& format,
                       std::string& delimiter, std::string& selection, std::string& threshold,
                       std::string& teacher_price) {
  CLI::App* match = app.add_subcommand(
      "match",
      "Entity resolution: link the records of two tables (--left, --right) or deduplicate one (--left alone).\n"
      "Writes left_id,right_id,score per matched pair.");
  match->add_option("--left", config.left_path, "Left table (queries): CSV, TSV or JSONL")->required();
  match->add_option("--right", config.right_path, "Right table; omit to deduplicate --left");
  match->add_option("--id", config.id_column, "Name of the id column in both tables")->capture_default_str();
  match->add_option("--format", format, "Input format: auto (by extension), csv, tsv, jsonl")->capture_default_str();
  match->add_option("--delimiter", delimiter, "Field delimiter for CSV/TSV (one character; default by format)");
  match->add_option("--out", config.out_path, "Output matches CSV: left_id,right_id,score[,cluster]")->required();
  match->add_option("--teacher", config.teacher,
                    "Who labels the training sample: unsupervised (built-in, no LLM), replay:FILE[,FILE...] "
                    "(recorded LLM answers, DistillER format), openai:MODEL, majority:SPEC|SPEC... or "
                    "weighted:SPEC|SPEC... (multi-teacher vote), or none (no student: mutual best by TF-IDF)")
      ->capture_default_str();
  match->add_option("--replay-gold", config.replay_gold,
                    "Gold pairs for the replay teacher's rule (a recorded right answer without a stored id); "
                    "benchmarks only");
  match->add_option("--teacher-max-calls", config.teacher_max_calls, "LLM teacher: hard cap on calls (unset: none)");
  match->add_option("--teacher-max-tokens", config.teacher_max_tokens,
                    "LLM teacher: hard cap on prompt + completion tokens (unset: none)");
  match->add_option("--teacher-max-usd", config.teacher_max_usd,
                    "LLM teacher: hard cap on money, needs --teacher-price (unset: none)");
  match->add_option("--teacher-price", teacher_price,
                    "LLM teacher: USD per million prompt and completion tokens, e.g. 0.15,0.60");
  match->add_option("--teacher-concurrency", config.teacher_concurrency, "LLM teacher: requests in flight")
      ->capture_default_str();
  match->add_option("--teacher-timeout", config.teacher_timeout_seconds, "LLM teacher: seconds per request")
      ->capture_default_str();
  match->add_option("--teacher-retries", config.teacher_retries,
                    "LLM teacher: retries of a failed request (429, 5xx, timeouts), with backoff")
      ->capture_default_str();
  match->add_option("--teacher-budget", config.teacher_budget,
                    "Queries the teacher labels: a share of queries (<= 1) or a count (> 1)")
      ->capture_default_str();
  match->add_option("--selection", selection, "How queries are chosen for the teacher: blocking-max, stratified, random, blocking-top2, diversity "
                    "(k-center over features), uncertainty (rounds: the student picks what it is least sure of)")
      ->capture_default_str();
  match->add_option("--top-k", config.top_k, "Candidates per record and direction (TF-IDF top-k)")->capture_default_str();
  match->add_option("--teacher-candidates", config.teacher_candidates, "Candidates shown to the teacher per query")
      ->capture_default_str();
  match->add_option("--resolve", config.resolve,
                    "auto, best-match, unique-mapping (1-1) or connected-components; auto = unique-mapping for "
                    "two tables, connected-components for one")
      ->capture_default_str();
  match->add_option("--threshold", threshold,
                    "Minimum match probability, or auto: 0.5, lowered to the valley between the two groups of "
                    "scores the resolve step would accept when that lies below (Otsu's method on their log-odds)")
      ->capture_default_str();
  match->add_option("--threads", config.threads, "Worker threads (0 = all cores)")->capture_default_str();
  match->add_option("--seed", config.seed, "Random seed (selection, student)")->capture_default_str();
  match->add_option("--gold", config.gold_path,
                    "Gold pairs to evaluate against (first two columns: left id, right id); never used for "
                    "matching");
  match->add_option("--eval-queries", config.eval_queries_path,
                    "Left ids to compute query accuracy over (DistillER responses JSON or one id per line); needs --gold");
  match->add_option("--metrics", config.metrics_path, "Write metrics JSON (timings, counts, quality with --gold)");
  match->add_option("--export-sft", config.sft_path,
                    "Write the teacher's answers as chat JSONL (select prompt + answer + explanation) to fine-tune "
                    "a small LLM elsewhere; plug it back in as openai:MODEL with its OPENAI_BASE_URL");
  match->add_option("--workspace", config.workspace_path,
                    "SQLite workspace (created if missing) that records the run: config, component versions, "
                    "student model, matches, metrics");
}

float parse_threshold(const std::string& text) {
  if (text == "auto") return matchmaker::pipeline::MatchConfig::kAutoThreshold;
  try {
    std::size_t used = 0;
    const float value = std::stof(text, &used);
    if (used == text.size() && value >= 0.0f && value <= 1.0f) return value;
  } catch (const std::exception&) {
  }
  throw matchmaker::InputError("--threshold must be 'auto' or a number in [0, 1], not '" + text + "'");
}

void parse_price(const std::string& text, matchmaker::pipeline::MatchConfig& config) {
  const std::size_t comma = text.find(',');
  try {
    if (comma == std::string::npos) throw std::invalid_argument("no comma");
    std::size_t used_prompt = 0, used_completion = 0;
    const std::string prompt = text.substr(0, comma), completion = text.substr(comma + 1);
    config.usd_per_million_prompt_tokens = std::stod(prompt, &used_prompt);
    config.usd_per_million_completion_tokens = std::stod(completion, &used_completion);
    if (used_prompt != prompt.size() || used_completion != completion.size() ||
        config.usd_per_million_prompt_tokens < 0 || config.usd_per_million_completion_tokens < 0) {
      throw std::invalid_argument("not two non-negative numbers");
    }
  } catch (const std::exception&) {
    throw matchmaker::InputError("--teacher-price must be PROMPT,COMPLETION in USD per million tokens, e.g. 0.15,0.60");
  }
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("matchmaker"));
  spdlog::set_pattern("[%H:%M:%S] %v");

  CLI::App app{"matchmaker " MATCHMAKER_VERSION
               " - entity matching without labels: candidates -> teacher -> student -> resolve"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags such as --quiet may follow the subcommand too
  app.set_version_flag("--version", MATCHMAKER_VERSION);
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");

  matchmaker::pipeline::MatchConfig config;
  std::string format = "auto", delimiter, selection = "blocking-max", threshold = "auto", teacher_price;
  add_match_command(app, config, format, delimiter, selection, threshold, teacher_price);

  std::string import_workspace, import_teacher, import_results;
  CLI::App* batch_import = app.add_subcommand(
      "batch-import", "Store the results of an OpenAI Batch API job (from a batch:MODEL run) in the workspace's "
                      "answer cache; then run match again with --teacher openai:MODEL");
  batch_import->add_option("--workspace", import_workspace, "Workspace of the batch:MODEL run (default OUT.workspace.db)")
      ->required();
  batch_import->add_option("--teacher", import_teacher, "The teacher the answers belong to: openai:MODEL")->required();
  batch_import->add_option("results", import_results, "Batch API output file (JSONL)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);
  } catch (const CLI::ParseError& error) {
    std::cerr << "matchmaker: " << error.what() << " (see matchmaker --help)\n";
    return kExitBadInput;
  }
  if (quiet) spdlog::set_level(spdlog::level::warn);

  try {
    config.format = matchmaker::io::parse_table_format(format);
    if (delimiter.size() > 1) throw matchmaker::InputError("--delimiter must be one character");
    if (delimiter.size() == 1) config.delimiter = delimiter[0];
    config.selection = matchmaker::select::parse_selection_strategy(selection);
    config.threshold = parse_threshold(threshold);
    if (!teacher_price.empty()) parse_price(teacher_price, config);
    if (batch_import->parsed()) {
      if (import_teacher.rfind("openai:", 0) != 0) throw matchmaker::InputError("--teacher must be openai:MODEL");
      auto workspace = matchmaker::workspace::Workspace::open(import_workspace);
      const auto report = matchmaker::teacher::import_batch_results(import_results, workspace, import_teacher);
      spdlog::info("batch-import: {} results, {} answers stored in {}, {} failed requests", report.lines,
                   report.stored, import_workspace, report.failed);
      return 0;
    }
    matchmaker::pipeline::run_match(config);
  } catch (const matchmaker::InputError& error) {
    std::cerr << "matchmaker: " << error.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& error) {
    std::cerr << "matchmaker: " << error.what() << '\n';
    return kExitFailure;
  }
  return 0;
}
