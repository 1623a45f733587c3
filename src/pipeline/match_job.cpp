#include "pipeline/match_job.h"

#include <omp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "candidates/tfidf_blocker.h"
#include "eval/gold.h"
#include "eval/metrics.h"
#include "features/pair_features.h"
#include "io/atomic_file.h"
#include "matchmaker/error.h"
#include "pipeline/stage_timer.h"
#include "resolve/threshold.h"
#include "student/xgboost_student.h"
#include "teacher/sft_export.h"
#include "teacher/teacher.h"
#include "text/encoded_table.h"
#include "text/normalize.h"
#include "text/tfidf.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {
namespace {

constexpr std::size_t kParallelTrainingRows = 200000;

// True when any teacher of the spec (votes included) calls an LLM endpoint.
bool is_llm_teacher(const std::string& spec) {
  return spec.find("openai:") != std::string::npos || spec.find("batch:") != std::string::npos;
}

teacher::TeacherOptions teacher_options(const MatchConfig& config, workspace::Workspace* cache) {
  teacher::TeacherOptions options;
  options.replay_gold = config.replay_gold;
  options.cache = cache;
  options.max_calls = config.teacher_max_calls;
  options.max_tokens = config.teacher_max_tokens;
  options.max_usd = config.teacher_max_usd;
  options.usd_per_million_prompt_tokens = config.usd_per_million_prompt_tokens;
  options.usd_per_million_completion_tokens = config.usd_per_million_completion_tokens;
  options.concurrency = config.teacher_concurrency;
  options.timeout_seconds = config.teacher_timeout_seconds;
  options.max_retries = config.teacher_retries;
  options.seed = config.seed;
  options.batch_export_path = config.out_path + ".batch.jsonl";
  return options;
}

void validate(const MatchConfig& config) {
  if (config.left_path.empty()) throw InputError("--left is required");
  if (config.out_path.empty()) throw InputError("--out is required");
  if (config.top_k < 1 || config.top_k > 1000) throw InputError("--top-k must be between 1 and 1000");
  if (config.teacher_candidates < 1) throw InputError("--teacher-candidates must be at least 1");
  if (config.teacher_budget < 0) throw InputError("--teacher-budget must not be negative");
  if (config.threads < 0) throw InputError("--threads must not be negative");
  if (config.threshold != MatchConfig::kAutoThreshold && !(config.threshold >= 0 && config.threshold <= 1)) {
    throw InputError("--threshold must be 'auto' or in [0, 1]");
  }
  if (config.teacher != "none") teacher::check_teacher_spec(config.teacher);
  if (!config.eval_queries_path.empty() && config.gold_path.empty()) {
    throw InputError("--eval-queries needs --gold");
  }
  if (config.right_path.empty() && config.resolve == "unique-mapping") {
    throw InputError("--resolve unique-mapping needs two tables; use connected-components or best-match");
  }
}

resolve::ResolveMethod resolve_method_for(const MatchConfig& config) {
  if (config.resolve != "auto") return resolve::parse_resolve_method(config.resolve);
  return config.right_path.empty() ? resolve::ResolveMethod::kConnectedComponents
                                   : resolve::ResolveMethod::kUniqueMapping;
}

// The teacher's question for a query: its best `limit` candidates by blocking score.
teacher::TeacherQuery question_for(std::uint32_t query, const candidates::CandidatePairs& pairs, int limit) {
  teacher::TeacherQuery question;
  question.query = query;
  for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
    question.shown.push_back(pair);
  }
  std::sort(question.shown.begin(), question.shown.end(), [&](std::uint64_t a, std::uint64_t b) {
    return pairs.score[a] != pairs.score[b] ? pairs.score[a] > pairs.score[b] : a < b;
  });
  if (question.shown.size() > static_cast<std::size_t>(limit)) question.shown.resize(static_cast<std::size_t>(limit));
  return question;
}

// What the teacher said about one query: the chosen candidate pair, or -1 for "none".
struct TeacherDecision {
  std::uint32_t query;
  std::int64_t chosen_pair;
};

// Share of the teacher's answers that agree with gold (a "none" is right when the query has no gold
// match). Evaluation only.
double teacher_accuracy(std::span<const TeacherDecision> decisions, const candidates::CandidatePairs& pairs,
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

struct TrainingSet {
  std::vector<std::uint64_t> rows;
  std::vector<float> labels;
  std::vector<float> weights;
  std::size_t positives = 0;
};

// Select answers become labels: the chosen candidate positive, the other shown ones negative;
// "none" makes every shown candidate negative. Unanswered queries give nothing, and neither do
// candidates an answer did not judge (TeacherAnswer::judged).
TrainingSet labels_from(std::span<const teacher::TeacherQuery> questions, std::span<const teacher::TeacherAnswer> answers) {
  TrainingSet training;
  for (std::size_t idx = 0; idx < questions.size(); ++idx) {
    if (!answers[idx].answered) continue;
    const auto& judged = answers[idx].judged;
    for (std::size_t shown_idx = 0; shown_idx < questions[idx].shown.size(); ++shown_idx) {
      const bool positive = static_cast<int>(shown_idx) == answers[idx].chosen;
      if (!positive && !judged.empty() && !judged[shown_idx]) continue;
      training.rows.push_back(questions[idx].shown[shown_idx]);
      training.labels.push_back(positive ? 1.0f : 0.0f);
      training.weights.push_back(1.0f);
      training.positives += positive;
    }
  }
  return training;
}

// Co-teaching against label noise: a negative that a student trained on every label still scores as a
// likely match is most likely a match the teacher missed (it said "none", or chose another record);
// it keeps a fifth of its weight in the final training (mean query accuracy about +0.005 with the Qwen
// and Llama teachers on ER DistillER). Positives are left alone: filtering them the same way, even with
// out-of-fold scores, did not help.
constexpr float kSuspectNegativeScore = 0.7f;
constexpr float kSuspectNegativeWeight = 0.2f;

TrainingSet down_weight_suspect_negatives(TrainingSet training, std::span<const float> first_scores) {
  for (std::size_t idx = 0; idx < training.rows.size(); ++idx) {
    if (training.labels[idx] == 0.0f && first_scores[training.rows[idx]] > kSuspectNegativeScore) {
      training.weights[idx] *= kSuspectNegativeWeight;
    }
  }
  return training;
}

// Uncertainty selection: a first stratified share of the budget, then rounds in which a student
// trained on the answers so far picks the queries it is least sure about (smallest margin between its
// best and second-best candidate), until the budget is spent.
template <typename Ask>
void ask_in_uncertainty_rounds(const MatchConfig& config, const candidates::CandidatePairs& pairs,
                               const features::FeatureMatrix& features, const Ask& ask,
                               const std::vector<teacher::TeacherQuery>& questions,
                               const std::vector<teacher::TeacherAnswer>& answers) {
  constexpr std::size_t kRounds = 4;
  std::size_t with_candidates = 0;
  for (std::size_t query = 0; query < pairs.num_left; ++query) with_candidates += pairs.query_size(query) > 0;
  const std::size_t total = select::budget_to_count(config.teacher_budget, with_candidates);
  if (total == 0 || with_candidates == 0) return;
  const std::size_t per_round = (total + kRounds - 1) / kRounds;
  // A share, not a count: a budget of exactly 1 would mean "all queries".
  const double first_share = (static_cast<double>(per_round) + 0.5) / static_cast<double>(with_candidates);
  ask(select::select_queries(pairs, select::SelectionStrategy::kStratified, std::min(first_share, 1.0), config.seed));
  while (questions.size() < total) {
    const TrainingSet training = labels_from(questions, answers);
    std::vector<std::uint32_t> asked;
    for (const auto& question : questions) asked.push_back(question.query);
    std::vector<std::uint32_t> next;
    if (training.positives == 0 || training.positives == training.rows.size()) {
      // No student yet (one class only): widen the sample instead.
      next = select::select_queries(pairs, select::SelectionStrategy::kRandom,
                                    std::min(1.0, static_cast<double>(questions.size() + per_round) / with_candidates),
                                    config.seed + questions.size());
      next.erase(std::remove_if(next.begin(), next.end(), [&](std::uint32_t query) {
                   return std::find(asked.begin(), asked.end(), query) != asked.end();
                 }), next.end());
      if (next.size() > per_round) next.resize(per_round);
    } else {
      student::StudentOptions options;
      options.num_threads = 1;
      options.seed = config.seed;
      student::XGBoostStudent round_student;
      round_student.train(features, training.rows, training.labels, training.weights, options);
      const auto probabilities = round_student.predict(features);
      next = select::select_uncertain(pairs, probabilities, asked, std::min(per_round, total - questions.size()));
    }
    if (next.empty()) break;
    ask(next);
  }
}

// Scores without a teacher: the blocking score of mutual best candidates, 0 elsewhere.
std::vector<float> mutual_best_scores(const candidates::CandidatePairs& pairs) {
  std::vector<float> scores(pairs.num_pairs(), 0.0f);
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    if (pairs.rank_in_left[pair] == 1 && pairs.rank_in_right[pair] == 1) scores[pair] = pairs.score[pair];
  }
  return scores;
}

// The probability from which a pair is a match: the user's, or (auto) the lower of 0.5 and Otsu's cut
// over the scores of the pairs the resolve step would accept with no threshold at all. 0.5 is the
// right cut where the student is calibrated, on the kind of queries the teacher labelled; Otsu's cut
// may only lower it, recovering true matches that the student under-scores outside that range (as
// after Blocking-Max selection). Raising it would split a group made of matches only (a data set
// where nearly every query has one). Without a teacher the scores are blocking similarities of
// mutual best candidates, all of which are accepted.
float decision_threshold(const MatchConfig& config, const candidates::CandidatePairs& pairs,
                         std::span<const float> scores, resolve::ResolveMethod method) {
  constexpr float kAnyPositive = 1e-6f;
  constexpr float kFallback = 0.5f;
  if (config.teacher == "none") return kAnyPositive;
  if (config.threshold != MatchConfig::kAutoThreshold) return config.threshold;
  // Clusters chain through weak links, so their cut is taken over each record's best pair instead.
  const auto cut_method = method == resolve::ResolveMethod::kConnectedComponents ? resolve::ResolveMethod::kBestMatch : method;
  const auto accepted = resolve::resolve_matches(pairs, scores, cut_method, 0.0f);
  std::vector<float> accepted_scores;
  accepted_scores.reserve(accepted.size());
  for (const auto& match : accepted) accepted_scores.push_back(match.score);
  return std::min(kFallback, resolve::otsu_threshold(accepted_scores, kFallback));
}

void write_matches(io::AtomicFile& file, const std::vector<resolve::Match>& matches, const Table& left,
                   const Table& right, bool with_cluster) {
  auto& out = file.stream();
  out << "left_id,right_id,score" << (with_cluster ? ",cluster\n" : "\n");
  for (const auto& match : matches) {
    io::write_csv_field(out, left.id(match.left));
    out << ',';
    io::write_csv_field(out, right.id(match.right));
    out << ',' << match.score;
    if (with_cluster) {
      out << ',';
      io::write_csv_field(out, left.id(match.cluster));
    }
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
  const text::SparseRows left_vectors = text::combined_unit_vectors(sides.left_words, sides.left_grams);
  if (deduplicate) return candidates::generate_candidates_within(left_vectors, blocker_options);
  return candidates::generate_candidates(left_vectors, text::combined_unit_vectors(sides.right_words(), sides.right_grams()),
                                         blocker_options);
}

// What the teacher and the student produced: a score per candidate pair, and what the teacher said.
struct LabelledScores {
  std::vector<float> scores;
  std::size_t teacher_calls = 0;
  std::size_t teacher_matches = 0;
  std::vector<TeacherDecision> teacher_decisions;  // kept for evaluation against gold
  bool waiting_for_batch = false;                  // batch:MODEL wrote its requests; nothing to score yet
};

// Teacher labels a selected sample; the student learns from them and scores every pair.
LabelledScores label_and_score(const MatchConfig& config, const teacher::MatchProblem& problem,
                               resolve::ResolveMethod resolve_method, workspace::Workspace* run_workspace,
                               std::int64_t run_id, nlohmann::json& metrics, StageTimer& timer) {
  const candidates::CandidatePairs& pairs = *problem.pairs;
  const features::FeatureMatrix& features = *problem.features;
  LabelledScores result;
  if (config.teacher == "none") {
    result.scores = mutual_best_scores(pairs);
    timer.finish("teacher");
    timer.finish("student");
    return result;
  }
  auto teacher = teacher::make_teacher(config.teacher, teacher_options(config, run_workspace));
  std::vector<teacher::TeacherQuery> questions;
  std::vector<teacher::TeacherAnswer> answers;
  const auto ask = [&](const std::vector<std::uint32_t>& selected) {
    std::vector<teacher::TeacherQuery> round;
    round.reserve(selected.size());
    for (std::uint32_t query : selected) round.push_back(question_for(query, pairs, config.teacher_candidates));
    auto round_answers = teacher->answer(problem, round);
    questions.insert(questions.end(), round.begin(), round.end());
    answers.insert(answers.end(), round_answers.begin(), round_answers.end());
  };
  if (config.selection == select::SelectionStrategy::kUncertainty) {
    ask_in_uncertainty_rounds(config, pairs, features, ask, questions, answers);
  } else {
    ask(select::select_queries(pairs, config.selection, config.teacher_budget, config.seed, &features));
  }
  result.teacher_calls = answers.size();
  const auto unanswered = static_cast<std::size_t>(
      std::count_if(answers.begin(), answers.end(), [](const teacher::TeacherAnswer& answer) { return !answer.answered; }));
  if (unanswered > 0) spdlog::warn("teacher {}: {} of {} queries got no usable answer", teacher->spec(), unanswered, answers.size());
  metrics["teacher"]["unanswered"] = unanswered;
  metrics["teacher"]["report"] = teacher->report();
  if (metrics["teacher"]["report"].value("exported", 0) > 0) {
    spdlog::warn("stopping before training: no matches written until the batch results are imported");
    result.waiting_for_batch = true;
    return result;
  }
  // For an LLM teacher a "call" is a request actually sent (cached answers and refused ones are not).
  if (metrics["teacher"]["report"].contains("called")) {
    result.teacher_calls = metrics["teacher"]["report"]["called"].get<std::size_t>();
  }
  for (std::size_t idx = 0; idx < answers.size(); ++idx) {
    const auto& answer = answers[idx];
    result.teacher_matches += answer.answered && answer.chosen >= 0;
    if (!answer.answered) continue;
    result.teacher_decisions.push_back(
        {answer.query, answer.chosen >= 0 ? static_cast<std::int64_t>(questions[idx].shown[static_cast<std::size_t>(answer.chosen)]) : -1});
  }
  spdlog::info("teacher {}: {} queries asked ({}), {} named a match ({:.2f} s)", teacher->spec(), answers.size(),
               select::selection_strategy_name(config.selection), result.teacher_matches, timer.finish("teacher"));

  if (!config.sft_path.empty()) {
    const std::size_t lines = teacher::write_sft_dataset(config.sft_path, problem, questions, answers, teacher->spec(), config.seed);
    spdlog::info("fine-tuning set: {} conversations written to {}", lines, config.sft_path);
  }
  const TrainingSet training = labels_from(questions, answers);
  if (training.positives == 0 || training.positives == training.rows.size()) {
    throw RuntimeFailure(fmt::format(
        "the teacher's answers ({} of {} queries answered) hold {} — the student needs both matches and "
        "non-matches; raise --teacher-budget, try another --selection, or check the teacher",
        answers.size() - unanswered, answers.size(), training.positives == 0 ? "no match" : "no non-match"));
  }
  student::StudentOptions student_options;
  // Training sets of a few thousand rows train fastest on one thread: XGBoost's many short parallel
  // regions cost more in thread hand-offs than they save (seconds instead of milliseconds on a busy machine).
  student_options.num_threads = training.rows.size() < kParallelTrainingRows ? 1 : config.threads;
  student_options.seed = config.seed;
  // Each answer gives at most one positive and up to ten negatives, and a teacher's misses ("none"
  // where there is a match) add false negatives; weighting positives 3x lifts the true matches the
  // student would under-score (query accuracy +0.01 to +0.04 on D2/D3 with Qwen and Llama teachers).
  // Only where each record keeps its single best pair: connected components chain through every
  // lifted score (bundled dedup example F1 0.56 -> 0.18).
  if (resolve_method != resolve::ResolveMethod::kConnectedComponents) student_options.scale_pos_weight = 3.0;
  student::XGBoostStudent student;
  student.train(features, training.rows, training.labels, training.weights, student_options);
  const TrainingSet filtered = down_weight_suspect_negatives(training, student.predict(features));
  student.train(features, filtered.rows, filtered.labels, filtered.weights, student_options);
  result.scores = student.predict(features);
  if (run_workspace != nullptr) run_workspace->store_model(run_id, student.save_json(), features.names);
  spdlog::info("student: trained on {} labelled pairs ({} matches), scored {} pairs ({:.2f} s)", training.rows.size(),
               training.positives, result.scores.size(), timer.finish("student"));
  return result;
}

// Quality against gold, into metrics["quality"] and the log. Evaluation only.
void evaluate(const MatchConfig& config, const candidates::CandidatePairs& pairs,
              const std::vector<resolve::Match>& matches, const LabelledScores& labelled,
              std::span<const eval::RowPair> gold, std::span<const std::uint32_t> eval_query_rows, std::size_t num_left,
              nlohmann::json& metrics) {
  const eval::PairMetrics pair_metrics = eval::pair_metrics(matches, gold);
  const double completeness = eval::pair_completeness(pairs, gold);
  metrics["quality"] = {{"precision", pair_metrics.precision},   {"recall", pair_metrics.recall},
                        {"f1", pair_metrics.f1},                 {"predicted_pairs", pair_metrics.predicted},
                        {"gold_pairs", pair_metrics.gold},       {"true_positives", pair_metrics.true_positives},
                        {"pair_completeness", completeness}};
  const double accuracy_on_asked = teacher_accuracy(labelled.teacher_decisions, pairs, gold);
  if (!labelled.teacher_decisions.empty()) metrics["teacher"]["accuracy_on_asked"] = accuracy_on_asked;
  spdlog::info("quality: precision {:.4f} recall {:.4f} F1 {:.4f}; pair completeness {:.4f}; teacher accuracy {:.4f}",
               pair_metrics.precision, pair_metrics.recall, pair_metrics.f1, completeness, accuracy_on_asked);
  if (!config.eval_queries_path.empty()) {
    const auto accuracy = eval::query_accuracy(matches, gold, eval_query_rows, num_left);
    metrics["quality"]["query_accuracy"] = accuracy.accuracy;
    metrics["quality"]["queries_scored"] = accuracy.queries;
    spdlog::info("query accuracy {:.4f} over {} queries", accuracy.accuracy, accuracy.queries);
  }
}

}  // namespace

void run_match(const MatchConfig& config) {
  validate(config);
  if (config.threads > 0) omp_set_num_threads(config.threads);
  const bool deduplicate = config.right_path.empty();
  const resolve::ResolveMethod resolve_method = resolve_method_for(config);

  // Output files are opened first so a bad path fails before any work; they appear only on success.
  io::AtomicFile matches_file(config.out_path);
  std::optional<io::AtomicFile> metrics_file;
  if (!config.metrics_path.empty()) metrics_file.emplace(config.metrics_path);

  StageTimer timer;
  nlohmann::json metrics;
  metrics["task"] = deduplicate ? "deduplication" : "linkage";
  metrics["config"] = {{"left", config.left_path},
                       {"right", config.right_path},
                       {"teacher", config.teacher},
                       {"teacher_budget", config.teacher_budget},
                       {"selection", select::selection_strategy_name(config.selection)},
                       {"top_k", config.top_k},
                       {"resolve", resolve::resolve_method_name(resolve_method)},
                       {"threshold", config.threshold == MatchConfig::kAutoThreshold ? nlohmann::json("auto")
                                                                                      : nlohmann::json(config.threshold)},
                       {"threads", config.threads > 0 ? config.threads : omp_get_max_threads()},
                       {"seed", config.seed},
                       {"normalizer", text::kNormalizerName},
                       {"feature_set", features::kFeatureSetName}};

  // The workspace is opened before any work too: a bad file is bad input, found at once.
  // An LLM teacher always has one: its answers are paid for and must never be asked again.
  std::optional<workspace::Workspace> run_workspace;
  std::int64_t run_id = 0;
  const std::string workspace_path =
      config.workspace_path.empty() && is_llm_teacher(config.teacher) ? config.out_path + ".workspace.db" : config.workspace_path;
  if (!workspace_path.empty()) {
    run_workspace.emplace(workspace::Workspace::open(workspace_path));
    spdlog::info("workspace {} (run record{})", workspace_path, is_llm_teacher(config.teacher) ? ", LLM answer cache" : "");
    run_id = run_workspace->begin_run(metrics["config"]);
    run_workspace->set_component(run_id, "normalizer", text::kNormalizerName);
    run_workspace->set_component(run_id, "feature_set", features::kFeatureSetName);
  }

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
  std::vector<eval::RowPair> gold;
  std::vector<std::uint32_t> eval_query_rows;
  if (!config.gold_path.empty()) gold = eval::read_gold(config.gold_path, left, right, deduplicate);
  if (!config.eval_queries_path.empty()) eval_query_rows = eval::read_query_ids(config.eval_queries_path, left);

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
  const LabelledScores labelled = label_and_score(config, problem, resolve_method,
                                                  run_workspace ? &*run_workspace : nullptr, run_id, metrics, timer);
  if (labelled.waiting_for_batch) return;

  const float threshold = decision_threshold(config, pairs, labelled.scores, resolve_method);
  const auto matches = resolve::resolve_matches(pairs, labelled.scores, resolve_method, threshold);
  spdlog::info("resolve {}: {} matches at threshold {:.3f} ({:.2f} s)", resolve::resolve_method_name(resolve_method),
               matches.size(), threshold, timer.finish("resolve"));

  write_matches(matches_file, matches, left, right, resolve_method == resolve::ResolveMethod::kConnectedComponents);
  timer.finish("write");

  metrics["records"] = {{"left", left.num_rows()}, {"right", right.num_rows()}};
  metrics["candidates"] = {{"pairs", pairs.num_pairs()}, {"per_query", candidates_per_query}, {"top_k", config.top_k}};
  metrics["teacher"]["spec"] = config.teacher;
  metrics["teacher"]["calls"] = labelled.teacher_calls;
  metrics["teacher"]["matches_named"] = labelled.teacher_matches;
  metrics["matches"] = matches.size();
  metrics["threshold"] = threshold;
  if (!config.gold_path.empty()) evaluate(config, pairs, matches, labelled, gold, eval_query_rows, left.num_rows(), metrics);
  timer.finish("evaluate");

  nlohmann::json stage_seconds = nlohmann::json::object();
  for (const auto& [stage, seconds] : timer.stages()) stage_seconds[stage] = seconds;
  metrics["seconds"] = stage_seconds;
  metrics["seconds_total"] = timer.total_seconds();
  metrics["peak_memory_mib"] = peak_memory_mib();

  if (run_workspace) {
    std::vector<workspace::Workspace::Match> stored;
    stored.reserve(matches.size());
    for (const auto& match : matches) stored.emplace_back(left.id(match.left), right.id(match.right), match.score);
    run_workspace->store_matches(run_id, stored);
    run_workspace->finish_run(run_id, metrics);
    spdlog::info("workspace {}: run {} recorded", run_workspace->path(), run_id);
  }
  if (metrics_file) {
    metrics_file->stream() << metrics.dump(2) << '\n';
    metrics_file->commit();
  }
  matches_file.commit();
}

}  // namespace matchmaker::pipeline
