// `matchmaker match`: entity resolution of two tables, or deduplication of one.
#include "cli/commands.h"
#include "matchmaker/error.h"
#include "pipeline/match_job.h"

namespace matchmaker::cli {
namespace {

float parse_threshold(const std::string& text) {
  if (text == "auto") return pipeline::MatchConfig::kAutoThreshold;
  try {
    std::size_t used = 0;
    const float value = std::stof(text, &used);
    if (used == text.size() && value >= 0.0f && value <= 1.0f) return value;
  } catch (const std::exception&) {
  }
  throw InputError("--threshold must be 'auto' or a number in [0, 1], not '" + text + "'");
}

struct MatchOptions {
  pipeline::MatchConfig config;
  TeacherOptionText teacher_text;
  std::string format = "auto", delimiter, threshold = "auto";
};

}  // namespace

Command add_match_command(CLI::App& app) {
  auto options = std::make_shared<MatchOptions>();
  pipeline::MatchConfig& config = options->config;
  CLI::App* match = app.add_subcommand(
      "match",
      "Entity resolution: link the records of two tables (--left, --right) or deduplicate one (--left alone).\n"
      "Writes left_id,right_id,score,route,explanation per matched pair (with a cluster column before route when "
      "deduplicating).");
  match->add_option("--left", config.left_path, "Left table (queries): CSV, TSV or JSONL")->required();
  match->add_option("--right", config.right_path, "Right table; omit to deduplicate --left");
  match->add_option("--id", config.id_column, "Name of the id column in both tables")->capture_default_str();
  match->add_option("--format", options->format, "Input format: auto (by extension), csv, tsv, jsonl")->capture_default_str();
  CLI::Option* delimiter = match->add_option("--delimiter", options->delimiter,
                                             "Field delimiter for CSV/TSV (one character; default by format)");
  match->add_option("--out", config.out_path, "Output matches CSV: left_id,right_id,score[,cluster],route,explanation")->required();
  add_teacher_options(match, config.distill, options->teacher_text);
  match->add_option("--replay-gold", config.replay_gold,
                    "Gold pairs for the replay teacher's rule (a recorded right answer without a stored id) and for "
                    "the simulated teacher; benchmarks only");
  match->add_option("--top-k", config.top_k, "Candidates per record and direction (TF-IDF top-k), 1 to 1000")
      ->capture_default_str();
  match->add_option("--common-term-rows", config.common_term_rows,
                    "Candidate search: terms held by more records than this are left out of its first pass (they "
                    "still count in the exact score), so a record costs about the same at any table size; larger "
                    "finds a few more pairs in very large tables at more time; 0 searches every term")
      ->capture_default_str();
  match->add_option("--resolve", config.resolve,
                    "auto, best-match, unique-mapping (1-1) or connected-components; auto = unique-mapping for "
                    "two tables, connected-components for one")
      ->capture_default_str();
  match->add_option("--threshold", options->threshold,
                    "Minimum match probability, or auto: 0.25 when the teacher's sample spans the score range "
                    "(uncertainty, random, stratified, diversity); after blocking-max/-top2, 0.5 lowered to the "
                    "valley between the two groups of scores the resolve step would accept when that lies below "
                    "(Otsu's method on their log-odds)")
      ->capture_default_str();
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
                    "student model, matches, explanations, metrics, and an LLM teacher's answer cache; `matchmaker explain` "
                    "reads it (default with an LLM teacher: OUT.workspace.db)");
  return {match, [options, delimiter] {
            pipeline::MatchConfig& config = options->config;
            config.format = io::parse_table_format(options->format);
            // Given, it is one character ('' was taken for no delimiter at all).
            if (delimiter->count() > 0 && options->delimiter.size() != 1) throw InputError("--delimiter must be one character");
            if (delimiter->count() > 0) config.delimiter = options->delimiter[0];
            config.threshold = parse_threshold(options->threshold);
            options->teacher_text.apply(config.distill, true);
            pipeline::run_match(config);
          }};
}

}  // namespace matchmaker::cli
