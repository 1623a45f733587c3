// `matchmaker link`: entity linking of free-text mentions to the concepts of a dictionary.
#include "cli/commands.h"
#include "matchmaker/error.h"
#include "pipeline/link_job.h"

namespace matchmaker::cli {
namespace {

struct LinkOptions {
  pipeline::LinkConfig config;
  TeacherOptionText teacher_text;
  std::string mention_format = "auto", dictionary_format = "auto";
};

}  // namespace

Command add_link_command(CLI::App& app) {
  auto options = std::make_shared<LinkOptions>();
  pipeline::LinkConfig& config = options->config;
  // Linking learns from the dictionary itself; a teacher is an addition, not a requirement.
  config.distill.teacher = "none";
  CLI::App* link = app.add_subcommand(
      "link",
      "Entity linking: rank the concepts of a dictionary (--dictionary) for every mention (--mentions).\n"
      "Writes left_id,right_id,rank,score: the top-k concepts per mention.");
  link->add_option("--mentions", config.mentions_path,
                   "Mentions: BioSyn .concept file or directory, AskAPatient fold file, or a table with columns "
                   "id,mention[,context]")
      ->required();
  link->add_option("--mention-format", options->mention_format, "auto, biosyn, askapatient, table")->capture_default_str();
  link->add_option("--dictionary", config.dictionary_path,
                   "Dictionary: BioSyn ID||NAME lines, AskAPatient concepts JSON, a table id,name[,synonym...] "
                   "(CSV/TSV with header) or an OBO ontology")
      ->required();
  link->add_option("--dictionary-format", options->dictionary_format, "auto, biosyn, askapatient, table, obo")
      ->capture_default_str();
  link->add_option("--out", config.out_path, "Output CSV: left_id,right_id,rank,score")->required();
  link->add_option("--top-k", config.output_k, "Concepts written per mention")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, static_cast<std::size_t>(kMaxCandidates)));
  link->add_option("--candidates", config.retriever.top_k, "Concepts retrieved (and re-ranked) per mention")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxCandidates));
  link->add_option("--reranker", config.reranker,
                   "self-supervised (a student trained on dictionary synonyms as pseudo-mentions, plus teacher "
                   "answers when --teacher is given) or none (the retriever's ranking)")
      ->capture_default_str();
  link->add_option("--self-supervision", config.self_supervision_queries,
                   "Synonyms used as pseudo-mentions to train the re-ranker")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{100'000'000}));
  link->add_option("--retrieval-weight", config.retrieval_weight,
                   "Weight of the retrieval score added to the re-ranker's probability where the re-ranker decides "
                   "(0: its order alone)")
      ->capture_default_str();
  link->add_option("--train-mentions", config.train_mentions_path,
                   "SUPERVISED comparison mode: mentions with gold ids from a training split, added to the "
                   "dictionary and to the re-ranker's labels (metrics name the run 'supervised')");
  add_teacher_options(link, config.distill, options->teacher_text);
  link->add_option("--gold", config.gold_path,
                   "Gold to evaluate against (Acc@1, Acc@5): the mentions file itself when it carries gold ids "
                   "(BioSyn, AskAPatient), or a CSV left_id,right_id; never used for linking (except by "
                   "--teacher simulated:RATE, benchmarks only)");
  link->add_option("--metrics", config.metrics_path, "Write metrics JSON (timings, memory, quality with --gold)");
  link->add_option("--workspace", config.workspace_path,
                   "SQLite workspace (created if missing) that records the run and caches an LLM teacher's answers "
                   "(default with an LLM teacher: OUT.workspace.db)");
  return {link, [options] {
            pipeline::LinkConfig& config = options->config;
            config.mention_format = io::parse_mention_format(options->mention_format);
            config.dictionary_format = io::parse_dictionary_format(options->dictionary_format);
            options->teacher_text.apply(config.distill, false);
            pipeline::run_link(config);
          }};
}

}  // namespace matchmaker::cli
