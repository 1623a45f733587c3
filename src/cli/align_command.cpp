// `matchmaker align`: entity alignment between two knowledge graphs (EA). Only parses options.
#include <cmath>

#include "cli/commands.h"
#include "matchmaker/error.h"
#include "pipeline/align_job.h"

namespace matchmaker::cli {
namespace {

struct AlignOptions {
  pipeline::AlignConfig config;
  TeacherOptionText teacher_text;
  bool structure_only = false;
};

}  // namespace

Command add_align_command(CLI::App& app) {
  auto options = std::make_shared<AlignOptions>();
  pipeline::AlignConfig& config = options->config;
  CLI::App* align = app.add_subcommand(
      "align",
      "Entity alignment: match the entities of two knowledge graphs one to one (--kg1, --kg2).\n"
      "Writes left_id,right_id,rank,score,one_to_one: the top-k candidates per entity, and the final "
      "one-to-one alignment flagged.");
  align->add_option("--kg1", config.kg1_path,
                    "First graph: a DBP15K/SRPRS directory (ent_ids_1, triples_1), an OpenEA directory "
                    "(rel_triples_1), or an N-Triples file (.nt)")
      ->required();
  align->add_option("--kg2", config.kg2_path, "Second graph: the same directory (side 2 is read) or another .nt file")
      ->required();
  align->add_option("--out", config.out_path, "Output CSV: left_id,right_id,rank,score,one_to_one")->required();
  auto* seeds = align->add_option("--seeds", config.seeds_path,
                                  "Known links (left id, right id per line; tab or CSV): anchors and training labels");
  align->add_option("--seed-share", config.seed_share,
                    "Use the first share of the gold links as seeds and test on the rest (benchmark protocol; "
                    "0 = seed-free unless --seeds)")
      ->excludes(seeds)
      ->capture_default_str();
  align->add_option("--gold", config.gold_path,
                    "Gold links to evaluate against (default: the layout's ref_ent_ids / ent_links); matching "
                    "reads them only through --seed-share and the simulated teacher");
  align->add_flag("--gold-scope", config.gold_scope,
                  "Benchmark protocol (GCN-Align, RREA, Dual-AMN): align only the entities of the test links");
  align->add_flag("--structure-only", options->structure_only, "Ignore entity names: relation structure alone");
  align->add_option("--top-k", config.output_top_k, "Ranked candidates written per entity")->capture_default_str();
  align->add_option("--candidates", config.model.top_k, "Candidates per entity and direction inside the model")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxCandidates));
  align->add_option("--rounds", config.model.rounds, "Propagation rounds (bootstrapping after the first)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  align->add_option("--name-weight", config.model.name_weight, "Weight of name similarity against structure")
      ->capture_default_str();
  align->add_option("--metrics", config.metrics_path, "Write metrics JSON (Hits@1/10, MRR with gold; timings, memory)");
  align->add_option("--workspace", config.workspace_path, "SQLite workspace (created if missing) that records the run and its explanations for `matchmaker explain`, "
                    "and caches an LLM teacher's answers (default with an LLM teacher: OUT.workspace.db)");
  // The built-in unsupervised teacher reads ER features; alignment needs no teacher (seed links or
  // confident name matches start it), so none is its default.
  config.distill.teacher = "none";
  add_teacher_options(align, config.distill, options->teacher_text);
  return {align, [options] {
            options->config.use_names = !options->structure_only;
            if (!(options->config.seed_share >= 0)) throw InputError("--seed-share must be in [0, 1)");
            // NaN passed every check, and was then taken as 0; infinity wrecked the scores.
            const double name_weight = options->config.model.name_weight;
            if (!(std::isfinite(name_weight) && name_weight >= 0)) throw InputError("--name-weight must be a number >= 0");
            options->teacher_text.apply(options->config.distill, false);
            pipeline::run_align(options->config);
          }};
}

}  // namespace matchmaker::cli
