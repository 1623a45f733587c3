#include "pipeline/match_job.h"

#include <omp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "candidates/tfidf_blocker.h"
#include "eval/gold.h"
#include "eval/metrics.h"
#include "features/pair_features.h"
#include "io/atomic_file.h"
#include "matchmaker/error.h"
#include "pipeline/decision_explanations.h"
#include "pipeline/run_record.h"
#include "pipeline/teacher_files.h"
#include "pipeline/stage_timer.h"
#include "resolve/threshold.h"
#include "teacher/sft_export.h"
#include "teacher/teacher.h"
#include "text/encoded_table.h"
#include "text/normalize.h"
#include "text/tfidf.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {
namespace {


void validate(const MatchConfig& config) {
  if (config.left_path.empty()) throw InputError("--left is required");
  if (config.out_path.empty()) throw InputError("--out is required");
  if (config.top_k < 1 || config.top_k > 1000) throw InputError("--top-k must be between 1 and 1000");
  if (config.common_term_rows < 0 || config.common_term_rows > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError("--common-term-rows must be 0 (search every term) or a positive number of records");
  }
  check_distill_settings(config.distill);
  // Align and link may start from known pairs (seeds, the dictionary); here the sample is all there is.
  if (config.distill.teacher != "none" && config.distill.teacher_budget == 0) {
    throw InputError("--teacher-budget 0 leaves the student nothing to learn from: give a share (<= 1) or a number "
                     "of queries, or --teacher none to keep the blocking scores");
  }
  if (config.threshold != MatchConfig::kAutoThreshold && !(config.threshold >= 0 && config.threshold <= 1)) {
    throw InputError("--threshold must be 'auto' or in [0, 1]");
  }
  if (!config.eval_queries_path.empty() && config.gold_path.empty()) {
    throw InputError("--eval-queries needs --gold");
  }
  if (config.right_path.empty() && config.resolve == "unique-mapping") {
    throw InputError("--resolve unique-mapping needs two tables; use connected-components or best-match");
  }
  io::refuse_outputs_over_inputs(with_teacher_inputs({config.left_path, config.right_path, config.gold_path,
                                                      config.eval_queries_path, config.replay_gold},
                                                     config.distill),
                                 with_teacher_outputs({{"--out", config.out_path},
                                                       {"--metrics", config.metrics_path},
                                                       {"--export-sft", config.sft_path},
                                                       {"--workspace", config.workspace_path}},
                                                      config.workspace_path, config.out_path, config.distill));
  // Its clusters are of one table's rows (it read right rows as left ones, past the end: a crash).
  if (!config.right_path.empty() && config.resolve == "connected-components") {
    throw InputError("--resolve connected-components clusters the records of one table (--left alone); for two "
                     "tables use unique-mapping or best-match");
  }
}

resolve::ResolveMethod resolve_method_for(const MatchConfig& config) {
  if (config.resolve != "auto") return resolve::parse_resolve_method(config.resolve);
  return config.right_path.empty() ? resolve::ResolveMethod::kConnectedComponents
                                   : resolve::ResolveMethod::kUniqueMapping;
}

// Share of decisions (the teacher's answers, or the student's choices on the same queries) that agree
// with gold; a "none" is right when the query has no gold match. Evaluation only.
double decision_accuracy(std::span<const TeacherDecision> decisions, const candidates::CandidatePairs& pairs,
                        std::span<const eval::RowPair> gold) {
  if (decisions.empty()) return 0.0;
  std::size_t correct = 0;
  for (const TeacherDecision& decision : decisions) {
    if (decision.chosen_pair >= 0) {
      const auto pair = static_cast<std::size_t>(decision.chosen_pair);
      correct += std::binary_search(gold.begin(), gold.end(), eval::RowPair{pairs.left[pair], pairs.right[pair]});
    } else {
      const auto first = std::lower_bound(gold.begin(), gold.end(), eval::RowPair{decision.query, 0});
      correct += first == gold.end() || first->first != decision.query;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(decisions.size());
}

// The probability from which a pair is a match: the user's, or (auto) one that depends on which
// queries the teacher labelled.
// - A sample across the score range (uncertainty, random, stratified, diversity): 0.25. The student
//   weights positives 3x and resolve keeps one best pair per record, so a lower cut than 0.5 pays:
//   with Qwen answers and uncertainty selection (mean of seeds 1-10), query accuracy D2-D6 went
//   0.951 / 0.564 / 0.991 / 0.860 / 0.858 (the previous Otsu rule, below) -> 0.962 / 0.573 / 0.991 /
//   0.861 / 0.871; random selection (seeds 1-3) 0.845 -> 0.853. Otsu's cut had landed near 0.5 on
//   D2/D3 (too strict) and at 0.04-0.19 on the IMDB sets, where most queries have no match (too lax).
//   0.25 and 0.5 are the only fixed cuts tried.
// - A sample from the top of the range only (Blocking-Max, Blocking-Top2): the student under-scores
//   true matches below it, so Otsu's cut over the scores of the pairs resolve would accept with no
//   threshold at all may lower 0.5 to recover them (0.25 there lost D5/D6: mean qAcc 0.785 -> 0.780
//   with Qwen; the bundled example's F1 0.773 -> 0.747). Raising it would split a group made of
//   matches only (a data set where nearly every query has one).
// Without a teacher the scores are blocking similarities of mutual best candidates, all accepted
// unless a threshold is given.
float decision_threshold(const MatchConfig& config, const candidates::CandidatePairs& pairs,
                         std::span<const float> scores, resolve::ResolveMethod method) {
  constexpr float kAnyPositive = 1e-6f;
  constexpr float kFallback = 0.5f;
  constexpr float kRangeSampleCut = 0.25f;
  // A given threshold holds whatever decides (it was ignored with --teacher none).
  if (config.threshold != MatchConfig::kAutoThreshold) return config.threshold;
  if (config.distill.teacher == "none") return kAnyPositive;
  const auto selection = config.distill.selection;
  if (selection != select::SelectionStrategy::kBlockingMax && selection != select::SelectionStrategy::kBlockingTop2) {
    return kRangeSampleCut;
  }
  // Clusters chain through weak links, so their cut is taken over each record's best pair instead.
  const auto cut_method = method == resolve::ResolveMethod::kConnectedComponents ? resolve::ResolveMethod::kBestMatch : method;
  const auto accepted = resolve::resolve_matches(pairs, scores, cut_method, 0.0f);
  std::vector<float> accepted_scores;
  accepted_scores.reserve(accepted.size());
  for (const auto& match : accepted) accepted_scores.push_back(match.score);
  return std::min(kFallback, resolve::otsu_threshold(accepted_scores, kFallback));
}

// What the matches file says of a match besides its ids and score.
struct MatchNote {
  std::string route;
  std::string explanation;  // ExplainedChunk::lines
};

// `notes` holds one entry per match, in the same order.
void write_matches(io::AtomicFile& file, const std::vector<resolve::Match>& matches, const std::vector<MatchNote>& notes,
                   const Table& left, const Table& right, bool with_cluster) {
  auto& out = file.stream();
  out << "left_id,right_id,score" << (with_cluster ? ",cluster" : "") << ",route,explanation\n";
  for (std::size_t idx = 0; idx < matches.size(); ++idx) {
    const auto& match = matches[idx];
    io::write_csv_field(out, left.id(match.left));
    out << ',';
    io::write_csv_field(out, right.id(match.right));
    out << ',' << match.score;
    if (with_cluster) {
      out << ',';
      io::write_csv_field(out, left.id(match.cluster));
    }
    out << ',' << notes[idx].route << ',';
    io::write_csv_field(out, notes[idx].explanation);
    out << '\n';
  }
}

// Both sides as integers and TF-IDF weights, what candidates and features work on. For
// deduplication the right side is the left one.
struct PreparedSides {
  text::AttributeAlignment alignment;
  text::TableEncoder encoder;
  text::EncodedTable left_encoded;
  std::optional<text::EncodedTable> own_right_encoded;
  std::vector<float> word_idf, gram_idf;
  text::WeightedRows left_words, left_grams;
  std::optional<text::WeightedRows> own_right_words, own_right_grams;

  const text::EncodedTable& right_encoded() const { return own_right_encoded ? *own_right_encoded : left_encoded; }
  const text::WeightedRows& right_words() const { return own_right_words ? *own_right_words : left_words; }
  const text::WeightedRows& right_grams() const { return own_right_grams ? *own_right_grams : left_grams; }
  features::SideView left_view() const { return {&left_encoded, &left_words, &left_grams}; }
  features::SideView right_view() const { return {&right_encoded(), &right_words(), &right_grams()}; }
};

// Normalise and encode. REQUIRES: the result is not moved after views of it are taken.
void prepare_sides(const Table& left, const Table& right, bool deduplicate, PreparedSides& sides) {
  sides.alignment = text::AttributeAlignment::by_name(left, right);
  sides.left_encoded = sides.encoder.encode(left, sides.alignment.left_columns);
  if (!deduplicate) sides.own_right_encoded = sides.encoder.encode(right, sides.alignment.right_columns);
  const text::EncodedTable& right_encoded = sides.right_encoded();
  // Document frequencies count both tables once each (one table when deduplicating).
  sides.word_idf = deduplicate
                       ? text::inverse_document_frequencies({&sides.left_encoded.words}, sides.encoder.words().size())
                       : text::inverse_document_frequencies({&sides.left_encoded.words, &right_encoded.words},
                                                            sides.encoder.words().size());
  sides.gram_idf = deduplicate
                       ? text::inverse_document_frequencies({&sides.left_encoded.grams}, sides.encoder.grams().size())
                       : text::inverse_document_frequencies({&sides.left_encoded.grams, &right_encoded.grams},
                                                            sides.encoder.grams().size());
  sides.left_words = text::tfidf_weight(sides.left_encoded.words, sides.word_idf);
  sides.left_grams = text::tfidf_weight(sides.left_encoded.grams, sides.gram_idf);
  if (!deduplicate) {
    sides.own_right_words = text::tfidf_weight(right_encoded.words, sides.word_idf);
    sides.own_right_grams = text::tfidf_weight(right_encoded.grams, sides.gram_idf);
  }
}

candidates::CandidatePairs find_candidates(const PreparedSides& sides, const MatchConfig& config, bool deduplicate) {
  candidates::BlockerOptions blocker_options;
  blocker_options.top_k = config.top_k;
  if (config.common_term_rows == 0) {
    blocker_options.pruning = candidates::PruningOptions::exhaustive();
  } else {
    blocker_options.pruning.common_term_rows = static_cast<std::uint32_t>(config.common_term_rows);
  }
  const text::SparseRows left_vectors = text::combined_unit_vectors(sides.left_words, sides.left_grams);
  if (deduplicate) return candidates::generate_candidates_within(left_vectors, blocker_options);
  return candidates::generate_candidates(left_vectors, text::combined_unit_vectors(sides.right_words(), sides.right_grams()),
                                         blocker_options);
}

// Quality against gold, into metrics["quality"] and the log. Evaluation only.
// Pair F1 and (with --eval-queries) query accuracy of one set of matches.
nlohmann::json quality_of(const std::vector<resolve::Match>& matches, std::span<const eval::RowPair> gold,
                          const eval::EvalQueries& eval_queries, std::size_t num_left, bool with_queries) {
  const eval::PairMetrics pair_metrics = eval::pair_metrics(matches, gold);
  nlohmann::json quality = {{"precision", pair_metrics.precision},   {"recall", pair_metrics.recall},
                            {"f1", pair_metrics.f1},                 {"predicted_pairs", pair_metrics.predicted},
                            {"gold_pairs", pair_metrics.gold},       {"true_positives", pair_metrics.true_positives}};
  if (with_queries) {
    const auto accuracy = eval::query_accuracy(matches, gold, eval_queries.rows, num_left, eval_queries.blocking_missed);
    quality["query_accuracy"] = accuracy.accuracy;
    quality["queries_scored"] = accuracy.queries;
    // For reading against DistillER's published figures, which are scored this way; never a target.
    if (eval_queries.has_ground_answers) quality["query_accuracy_distiller_rule"] = accuracy.distiller_rule_accuracy;
  }
  return quality;
}

// Quality against gold, into metrics["quality"] and the log; with routing, the student alone, the
// teacher alone (its answers where it was asked, nothing elsewhere) and the hierarchy side by side.
// Evaluation only.
void evaluate(const MatchConfig& config, const candidates::CandidatePairs& pairs,
              const std::vector<resolve::Match>& matches, const DistillResult& distilled,
              resolve::ResolveMethod resolve_method, const eval::GoldPairs& gold_pairs,
              const eval::EvalQueries& eval_queries, std::size_t num_left, nlohmann::json& metrics) {
  const std::span<const eval::RowPair> gold = gold_pairs.matches;
  const bool with_queries = !config.eval_queries_path.empty();
  metrics["quality"] = quality_of(matches, gold, eval_queries, num_left, with_queries);
  const double completeness = eval::pair_completeness(pairs, gold);
  metrics["quality"]["pair_completeness"] = completeness;
  std::string teacher_figure;  // none without a sample: a "teacher accuracy 0.0000" read as a teacher always wrong
  if (!distilled.sample_decisions.empty()) {
    const double accuracy_on_asked = decision_accuracy(distilled.sample_decisions, pairs, gold);
    metrics["teacher"]["accuracy_on_asked"] = accuracy_on_asked;
    teacher_figure = fmt::format("; teacher accuracy {:.4f}", accuracy_on_asked);
  }
  spdlog::info("quality: precision {:.4f} recall {:.4f} F1 {:.4f}; pair completeness {:.4f}{}",
               metrics["quality"]["precision"].get<double>(), metrics["quality"]["recall"].get<double>(),
               metrics["quality"]["f1"].get<double>(), completeness, teacher_figure);
  if (gold_pairs.labelled) {
    // A split's file (the Magellan / DeepMatcher test.csv) labels some pairs only; the score comparable
    // to supervised matchers (Ditto, DeepMatcher) is over those pairs, each predicted a match when the
    // output holds it. The scores above take its label-1 rows for the whole truth.
    const eval::PairMetrics labelled = eval::labelled_pair_metrics(matches, gold_pairs.matches, gold_pairs.non_matches);
    metrics["quality"]["labelled_pairs"] = {{"pairs", gold_pairs.matches.size() + gold_pairs.non_matches.size()},
                                            {"predicted", labelled.predicted}, {"true_positives", labelled.true_positives},
                                            {"precision", labelled.precision}, {"recall", labelled.recall},
                                            {"f1", labelled.f1}};
    spdlog::info("over the {} labelled pairs of the gold file ({} labelled 1): precision {:.4f} recall {:.4f} F1 {:.4f}",
                 gold_pairs.matches.size() + gold_pairs.non_matches.size(), gold_pairs.matches.size(),
                 labelled.precision, labelled.recall, labelled.f1);
  }
  if (with_queries) {
    const nlohmann::json& quality = metrics["quality"];
    spdlog::info("query accuracy {:.4f} over {} queries{}", quality["query_accuracy"].get<double>(),
                 quality["queries_scored"].get<std::size_t>(),
                 quality.contains("query_accuracy_distiller_rule")
                     ? fmt::format(" ({:.4f} under DistillER's rule, which forgives a \"none\" where its blocking missed gold)",
                                   quality["query_accuracy_distiller_rule"].get<double>())
                     : std::string());
  }
  if (!metrics.contains("routing")) return;
  nlohmann::json& routing = metrics["routing"];
  // The student alone is the first one, before escalated answers joined its labels, at its own cut.
  const float alone_threshold = decision_threshold(config, pairs, distilled.scores_without_escalation(), resolve_method);
  if (!distilled.escalated_decisions.empty()) {
    routing["teacher_accuracy_on_escalated"] = decision_accuracy(distilled.escalated_decisions, pairs, gold);
    // The student's own decisions on the same queries: what escalating them gained or lost.
    const auto confidences = route::query_confidences(pairs, distilled.scores_without_escalation(), alone_threshold);
    std::vector<TeacherDecision> student_decisions;
    for (const TeacherDecision& decision : distilled.escalated_decisions) {
      const auto& confidence = confidences[decision.query];
      student_decisions.push_back({decision.query, confidence.none_wins ? -1 : confidence.best_pair, {}});
    }
    routing["student_accuracy_on_escalated"] = decision_accuracy(student_decisions, pairs, gold);
    // Where the two disagreed, who was right: the evidence behind the merge rule (router.h).
    nlohmann::json disagreements = nlohmann::json::object();
    for (std::size_t idx = 0; idx < student_decisions.size(); ++idx) {
      const TeacherDecision& teacher_said = distilled.escalated_decisions[idx];
      const TeacherDecision& student_said = student_decisions[idx];
      if (teacher_said.chosen_pair == student_said.chosen_pair) continue;
      const char* kind = teacher_said.chosen_pair < 0   ? "teacher_none_student_match"
                         : student_said.chosen_pair < 0 ? "teacher_match_student_none"
                                                        : "different_matches";
      nlohmann::json& cell = disagreements[kind];
      if (cell.is_null()) cell = {{"queries", 0}, {"teacher_right", 0}, {"student_right", 0}};
      cell["queries"] = cell["queries"].get<int>() + 1;
      cell["teacher_right"] = cell["teacher_right"].get<int>() + static_cast<int>(decision_accuracy({&teacher_said, 1}, pairs, gold));
      cell["student_right"] = cell["student_right"].get<int>() + static_cast<int>(decision_accuracy({&student_said, 1}, pairs, gold));
    }
    routing["disagreements_on_escalated"] = disagreements;
  }
  const auto student_only = resolve::resolve_matches(pairs, distilled.scores_without_escalation(), resolve_method, alone_threshold);
  std::vector<float> teacher_scores(pairs.num_pairs(), 0.0f);
  for (const auto* decisions : {&distilled.sample_decisions, &distilled.escalated_decisions}) {
    for (const TeacherDecision& decision : *decisions) {
      if (decision.chosen_pair >= 0) teacher_scores[static_cast<std::size_t>(decision.chosen_pair)] = 1.0f;
    }
  }
  const auto teacher_only = resolve::resolve_matches(pairs, teacher_scores, resolve_method, 0.5f);
  routing["quality"] = {{"student_only", quality_of(student_only, gold, eval_queries, num_left, with_queries)},
                        {"teacher_only", quality_of(teacher_only, gold, eval_queries, num_left, with_queries)},
                        {"hierarchical", metrics["quality"]}};
  if (with_queries) {
    // The ceiling of any merge of these two outputs: a query counts when either is right on it.
    const auto student_right = eval::query_accuracy(student_only, gold, eval_queries.rows, num_left).right;
    const auto teacher_right = eval::query_accuracy(teacher_only, gold, eval_queries.rows, num_left).right;
    std::size_t either = 0;
    for (std::size_t query = 0; query < student_right.size(); ++query) either += student_right[query] | teacher_right[query];
    routing["quality"]["either_right_query_accuracy"] =
        student_right.empty() ? 0.0 : static_cast<double>(either) / static_cast<double>(student_right.size());
  }
  spdlog::info("routing quality, pair F1: student alone {:.4f}, teacher alone {:.4f}, hierarchy {:.4f}",
               routing["quality"]["student_only"]["f1"].get<double>(), routing["quality"]["teacher_only"]["f1"].get<double>(),
               metrics["quality"]["f1"].get<double>());
}

}  // namespace

void run_match(const MatchConfig& requested) {
  MatchConfig config = requested;  // the workspace may settle --selection auto (follow_batch_run)
  validate(config);
  if (config.distill.threads > 0) omp_set_num_threads(config.distill.threads);
  const bool deduplicate = config.right_path.empty();
  const resolve::ResolveMethod resolve_method = resolve_method_for(config);

  // Output files are opened first so a bad path fails before any work; they appear only on success.
  io::AtomicFile matches_file(config.out_path);
  std::optional<io::AtomicFile> metrics_file;
  if (!config.metrics_path.empty()) metrics_file.emplace(config.metrics_path);
  // The fine-tuning set too: a missing folder fails before the teacher is paid, not after.
  std::optional<io::AtomicFile> sft_file;
  if (!config.sft_path.empty()) sft_file.emplace(config.sft_path);

  StageTimer timer;
  nlohmann::json metrics;
  metrics["task"] = deduplicate ? "deduplication" : "linkage";
  metrics["config"] = {{"left", config.left_path},
                       {"right", config.right_path},
                       {"top_k", config.top_k},
                       {"common_term_rows", config.common_term_rows},
                       {"resolve", resolve::resolve_method_name(resolve_method)},
                       {"threshold", config.threshold == MatchConfig::kAutoThreshold ? nlohmann::json("auto")
                                                                                      : nlohmann::json(config.threshold)},
                       {"normalizer", text::kNormalizerName},
                       {"feature_set", features::kFeatureSetName}};
  metrics["config"].update(distill_config_json(config.distill));

  // The workspace is opened before any work too: a bad file is bad input, found at once.
  // An LLM teacher always has one: its answers are paid for and must never be asked again.
  std::optional<workspace::Workspace> run_workspace;
  std::int64_t run_id = 0;
  const std::string workspace_path = workspace_path_for(config.workspace_path, config.out_path, config.distill);
  if (!workspace_path.empty()) {
    run_workspace.emplace(workspace::Workspace::open(workspace_path));
    spdlog::info("workspace {} ({})", workspace_path,
                 config.distill.dry_run      ? "answer cache; a dry run records no run"
                 : uses_llm(config.distill) ? "run record, LLM answer cache"
                                            : "run record");
    follow_batch_run(config.distill, *run_workspace);
    metrics["config"].update(distill_config_json(config.distill));
    // A dry run uses the workspace only as the LLM teacher's cache: it records no run.
    if (!config.distill.dry_run) {
      run_id = run_workspace->begin_run(metrics["config"]);
      run_workspace->set_component(run_id, "normalizer", text::kNormalizerName);
      run_workspace->set_component(run_id, "feature_set", features::kFeatureSetName);
    }
  }

  // A run that stops on an error is marked "failed" in its workspace, with the reason.
  try {
    // Load.
    io::TableReadOptions read_options;
    read_options.id_column = config.id_column;
    read_options.format = config.format;
    read_options.delimiter = config.delimiter;
    read_options.path = config.left_path;
    const Table left = io::read_table(read_options);
    std::optional<Table> right_storage;
    if (!deduplicate) {
      read_options.path = config.right_path;
      right_storage = io::read_table(read_options);
    }
    const Table& right = deduplicate ? left : *right_storage;
    spdlog::info("loaded {} records{} ({:.2f} s)", left.num_rows(),
                 deduplicate ? "" : fmt::format(" and {} records", right.num_rows()), timer.finish("load"));

    // Gold and query lists are read now so that a bad file fails before any work; only the evaluation
    // at the end looks at them.
    eval::GoldPairs gold;
    std::vector<eval::RowPair> replay_gold;
    eval::EvalQueries eval_queries;
    if (!config.gold_path.empty()) gold = eval::read_gold_pairs(config.gold_path, left, right, deduplicate);
    if (!config.replay_gold.empty()) replay_gold = eval::read_gold(config.replay_gold, left, right, deduplicate);
    if (!config.eval_queries_path.empty()) eval_queries = eval::read_eval_queries(config.eval_queries_path, left);

    PreparedSides sides;
    prepare_sides(left, right, deduplicate, sides);
    spdlog::info("normalised: {} words, {} 3-grams, {} model codes, {} aligned attributes ({:.2f} s)",
                 sides.encoder.words().size(), sides.encoder.grams().size(), sides.encoder.codes().size(),
                 sides.alignment.names.size(), timer.finish("normalise"));

    const candidates::CandidatePairs pairs = find_candidates(sides, config, deduplicate);
    const double candidates_per_query = left.num_rows() > 0 ? static_cast<double>(pairs.num_pairs()) / left.num_rows() : 0;
    spdlog::info("candidates: {} pairs, {:.1f} per query ({:.2f} s)", pairs.num_pairs(), candidates_per_query,
                 timer.finish("candidates"));

    const features::FeatureMatrix features = features::compute_pair_features(
        sides.left_view(), sides.right_view(), sides.alignment, sides.word_idf, pairs, features::PairFeatureOptions{});
    spdlog::info("features: {} per pair ({:.2f} s)", features.num_features(), timer.finish("features"));

    const teacher::MatchProblem problem{&left, &right, &pairs, &features};
    DistillSettings settings = config.distill;
    connect_teacher_outputs(settings, config.out_path, run_workspace ? &*run_workspace : nullptr);
    settings.teacher_options.replay_gold = config.replay_gold;
    if (teacher::uses_simulated_teacher(settings.teacher)) {
      if (config.replay_gold.empty()) throw InputError("the simulated teacher answers from gold: give --replay-gold");
      settings.teacher_options.simulated_gold = std::move(replay_gold);
    }
    // Each answer gives at most one positive and up to ten negatives, and a teacher's misses ("none"
    // where there is a match) add false negatives; weighting positives 3x lifts the true matches the
    // student would under-score (query accuracy +0.01 to +0.04 on D2/D3 with Qwen and Llama teachers).
    // Only where each record keeps its single best pair: connected components chain through every
    // lifted score (bundled dedup example F1 0.56 -> 0.18).
    settings.positive_weight = resolve_method == resolve::ResolveMethod::kConnectedComponents ? 1.0 : 3.0;
    settings.one_to_one = resolve_method == resolve::ResolveMethod::kUniqueMapping;
    settings.decision_threshold = [&](std::span<const float> student_scores) {
      return decision_threshold(config, pairs, student_scores, resolve_method);
    };
    const DistillResult distilled = distill(problem, nullptr, settings, timer);
    metrics.update(distilled.report);
    if (distilled.stopped_before_training) {
      // A dry run's plan is its result (it records no run). A batch run ends here, done: its requests
      // are written and wait for their import, and its record tells the next run which sample it asked
      // (follow_batch_run). Left "running", it looked like a run that had crashed.
      if (!config.distill.dry_run && run_workspace) run_workspace->finish_run(run_id, metrics);
      if (metrics_file) {
        write_metrics(*metrics_file, metrics);
        metrics_file->commit();
      }
      return;
    }
    if (run_workspace && distilled.student) run_workspace->store_model(run_id, distilled.student_model_json, features.names);
    if (sft_file) {
      const std::size_t lines = teacher::write_sft_dataset(*sft_file, problem, distilled.sample_questions,
                                                           distilled.sample_answers, config.distill.teacher, config.distill.seed);
      sft_file->prepare();
      spdlog::info("fine-tuning set: {} conversations written to {}", lines, config.sft_path);
    }

    // The cut is the student's: teacher decisions are already at 1 or far below any cut.
    const float threshold = decision_threshold(config, pairs, distilled.student_scores, resolve_method);
    const auto matches = resolve::resolve_matches(pairs, distilled.scores, resolve_method, threshold);
    spdlog::info("resolve {}: {} matches at threshold {:.3f} ({:.2f} s)", resolve::resolve_method_name(resolve_method),
                 matches.size(), threshold, timer.finish("resolve"));

    // Clusters (connected components) also match records joined only through others: such a match is
    // no candidate pair, has no decision of its own to explain, and its note names the chain instead.
    std::vector<std::uint64_t> matched_pairs;
    std::vector<std::uint8_t> through_cluster(matches.size(), 0);
    for (std::size_t idx = 0; idx < matches.size(); ++idx) {
      const auto pair = find_pair(pairs, matches[idx].left, matches[idx].right);
      if (pair) {
        matched_pairs.push_back(*pair);
      } else if (resolve_method == resolve::ResolveMethod::kConnectedComponents) {
        through_cluster[idx] = 1;
      } else {
        throw std::logic_error("resolve: a match that is no candidate pair");
      }
    }
    const auto decisions = decisions_of(pairs, distilled.scores, std::move(matched_pairs));
    // Explanations go to the workspace as they are made; the matches file keeps their short form.
    std::optional<workspace::Workspace::ExplanationWriter> stored_explanations;
    if (run_workspace) stored_explanations.emplace(run_workspace->write_explanations(run_id));
    std::vector<MatchNote> direct_notes;  // of the matches that are candidate pairs, in their order
    std::size_t explained = 0;  // decisions handed over so far: chunks come in decision order
    explain_decisions(problem, distilled, decisions, stored_explanations.has_value(), [&](const ExplainedChunk& chunk) {
      if (stored_explanations) stored_explanations->add(chunk.explanations);
      for (std::size_t idx = 0; idx < chunk.lines.size(); ++idx) {
        if (decisions[explained + idx].match) direct_notes.push_back({chunk.explanations[idx].route, chunk.lines[idx]});
      }
      explained += chunk.lines.size();
    });
    std::vector<MatchNote> match_notes;
    match_notes.reserve(matches.size());
    for (std::size_t idx = 0, direct = 0; idx < matches.size(); ++idx) {
      if (through_cluster[idx]) {
        match_notes.push_back({"cluster", fmt::format("cluster: joined through other records of its cluster; weakest "
                                                      "link {:.2f}", matches[idx].score)});
      } else {
        match_notes.push_back(direct_notes[direct++]);
      }
    }
    timer.finish("explain");
    write_matches(matches_file, matches, match_notes, left, right,
                  resolve_method == resolve::ResolveMethod::kConnectedComponents);
    timer.finish("write");

    metrics["records"] = {{"left", left.num_rows()}, {"right", right.num_rows()}};
    metrics["candidates"] = {{"pairs", pairs.num_pairs()}, {"per_query", candidates_per_query}, {"top_k", config.top_k}};
    metrics["teacher"]["spec"] = config.distill.teacher;
    metrics["teacher"]["calls"] = distilled.teacher_calls;
    metrics["matches"] = matches.size();
    metrics["threshold"] = threshold;
    if (!config.gold_path.empty()) {
      evaluate(config, pairs, matches, distilled, resolve_method, gold, eval_queries, left.num_rows(), metrics);
    }
    timer.finish("evaluate");

    timer.record_costs(metrics);

    // The outputs are written out first (a full disk shows there), then the run is recorded, then they
    // appear together: a failure leaves every earlier output as it was.
    if (metrics_file) write_metrics(*metrics_file, metrics);
    matches_file.prepare();
    if (run_workspace) {
      std::vector<workspace::Workspace::Match> stored;
      stored.reserve(matches.size());
      for (const auto& match : matches) stored.emplace_back(left.id(match.left), right.id(match.right), match.score);
      record_finished_run(*run_workspace, run_id, stored, *stored_explanations, metrics);
    }
    io::commit_together({metrics_file ? &*metrics_file : nullptr, sft_file ? &*sft_file : nullptr, &matches_file});
  } catch (...) {
    if (run_workspace && run_id > 0) record_failed_run(*run_workspace, run_id, std::current_exception());
    throw;
  }
}

}  // namespace matchmaker::pipeline
