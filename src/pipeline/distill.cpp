#include "pipeline/distill.h"

#include <omp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#include "matchmaker/error.h"
#include "pipeline/spend_plan.h"
#include "select/query_selection.h"
#include "student/xgboost_student.h"
#include "teacher/unsupervised_teacher.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {
namespace {

constexpr std::size_t kParallelTrainingRows = 200000;


struct TrainingSet {
  std::vector<std::uint64_t> rows;  // candidate pairs of the problem
  std::vector<float> labels;
  std::vector<float> weights;
  std::size_t positives = 0;

  void append(const TrainingSet& more) {
    rows.insert(rows.end(), more.rows.begin(), more.rows.end());
    labels.insert(labels.end(), more.labels.begin(), more.labels.end());
    weights.insert(weights.end(), more.weights.begin(), more.weights.end());
    positives += more.positives;
  }
};

// The escalated answers reweighted so that their share of positive weight is the sample's (only the
// class that is over-represented among them is weighted down). Escalation picks the queries the student
// is least sure of, often ones without a match: their "none" answers, learnt as they are, shift the
// student's prior. On the bundled example 30 escalated queries answered "none" (all rightly, by a
// simulated teacher) took pair F1 from 0.78 to 0.23, as every other query fell below the cut.
TrainingSet with_class_share_of(TrainingSet escalation, const TrainingSet& sample) {
  double sample_positive = 0, sample_total = 0, positive = 0, negative = 0;
  for (std::size_t idx = 0; idx < sample.labels.size(); ++idx) {
    sample_total += sample.weights[idx];
    if (sample.labels[idx] > 0.5f) sample_positive += sample.weights[idx];
  }
  for (std::size_t idx = 0; idx < escalation.labels.size(); ++idx) {
    (escalation.labels[idx] > 0.5f ? positive : negative) += escalation.weights[idx];
  }
  if (sample_total <= 0 || positive + negative <= 0) return escalation;
  const double share = sample_positive / sample_total;
  // Positive share of the escalated block: positive / (positive + negative); make it `share`.
  double positive_scale = 1.0, negative_scale = 1.0;
  if (positive < share * (positive + negative)) {
    negative_scale = share >= 1.0 ? 0.0 : positive * (1.0 - share) / (share * negative);
  } else if (share > 0.0) {
    positive_scale = share * negative / ((1.0 - share) * positive);
  } else {
    positive_scale = 0.0;
  }
  for (std::size_t idx = 0; idx < escalation.labels.size(); ++idx) {
    escalation.weights[idx] *= static_cast<float>(escalation.labels[idx] > 0.5f ? positive_scale : negative_scale);
  }
  return escalation;
}

// True when two records of `table` hold the same value in every column but the id.
bool same_values(const Table& table, std::uint32_t row_a, std::uint32_t row_b) {
  if (row_a == row_b) return true;
  for (std::size_t column = 0; column < table.num_columns(); ++column) {
    if (column != table.id_column() && table.cell(row_a, column) != table.cell(row_b, column)) return false;
  }
  return true;
}

// Select answers become labels: the chosen candidate positive, the other shown ones negative;
// "none" makes every shown candidate negative. Unanswered queries give nothing, and neither do
// candidates an answer did not judge (TeacherAnswer::judged). Deduplicating, neither do those whose
// record holds the same values as the chosen one's: choosing one of two copies says nothing against
// the other, and taken as a non-match it taught the student that identical records differ (a table
// with 100 records listed six times each: 389 of 1,500 copy pairs found, now all). Between two tables
// identical records on one side are often distinct entries that gold links once (Amazon-Google's
// Google listings): there the one-to-one resolve picks one, and keeping them as negatives measured
// better (Magellan Amazon-Google pair F1 0.659 against 0.513 without them).
TrainingSet labels_from(std::span<const teacher::TeacherQuery> questions, std::span<const teacher::TeacherAnswer> answers,
                        const teacher::MatchProblem& problem) {
  TrainingSet training;
  const candidates::CandidatePairs& pairs = *problem.pairs;
  const bool deduplicating = problem.right != nullptr && problem.right == problem.left;
  for (std::size_t idx = 0; idx < questions.size(); ++idx) {
    if (!answers[idx].answered) continue;
    const auto& judged = answers[idx].judged;
    const std::int64_t chosen_right =
        answers[idx].chosen >= 0
            ? static_cast<std::int64_t>(pairs.right[questions[idx].shown[static_cast<std::size_t>(answers[idx].chosen)]])
            : -1;
    for (std::size_t shown_idx = 0; shown_idx < questions[idx].shown.size(); ++shown_idx) {
      const bool positive = static_cast<int>(shown_idx) == answers[idx].chosen;
      if (!positive && !judged.empty() && !judged[shown_idx]) continue;
      if (!positive && chosen_right >= 0 && deduplicating &&
          same_values(*problem.right, pairs.right[questions[idx].shown[shown_idx]], static_cast<std::uint32_t>(chosen_right))) {
        continue;
      }
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

// The student learns again from escalated answers when they add at least this share to the rows it
// learnt from (see distill step 4).
constexpr double kRelearnMinShare = 0.01;

// The rows a student learns from: teacher-labelled candidate pairs, then the task's known labels,
// gathered into one matrix.
struct StudentData {
  features::FeatureMatrix features;
  std::vector<std::uint64_t> rows;  // 0..n-1
  std::vector<float> labels, weights;
  std::size_t positives = 0;
};

// `known_stride` > 1 keeps every known_stride-th known label only (the held-out students of routing
// need the teacher's labels whole, not tens of thousands of known ones).
StudentData gather(const features::FeatureMatrix& problem_features, const TrainingSet& training, const KnownLabels* known,
                   std::size_t known_stride = 1) {
  StudentData data;
  data.features = problem_features.rows_of(training.rows);
  const std::size_t known_rows = known != nullptr ? known->labels.size() : 0;
  data.labels = training.labels;
  data.weights = training.weights;
  if (known_rows > 0) {
    if (known->features.names != problem_features.names || known->weights.size() != known_rows ||
        known->features.num_rows != known_rows) {
      throw std::invalid_argument("distill: known labels must have the problem's feature columns and one weight each");
    }
    const std::size_t width = known->features.num_features();
    for (std::size_t row = 0; row < known_rows; row += known_stride) {
      data.features.values.insert(data.features.values.end(), known->features.row(row), known->features.row(row) + width);
      data.labels.push_back(known->labels[row]);
      data.weights.push_back(known->weights[row] * static_cast<float>(known_stride));  // total weight kept
      ++data.features.num_rows;
    }
  }
  data.rows.resize(data.features.num_rows);
  for (std::size_t idx = 0; idx < data.rows.size(); ++idx) data.rows[idx] = idx;
  for (float label : data.labels) data.positives += label > 0.5f;
  return data;
}

student::StudentOptions student_options(const DistillSettings& settings, std::size_t training_rows) {
  student::StudentOptions options;
  // Training sets of a few thousand rows train fastest on one thread: XGBoost's many short parallel
  // regions cost more in thread hand-offs than they save (seconds instead of milliseconds on a busy machine).
  options.num_threads = training_rows < kParallelTrainingRows ? 1 : settings.threads;
  options.prediction_threads = settings.threads;
  options.seed = settings.seed;
  options.scale_pos_weight = settings.positive_weight;
  return options;
}

// Trains on `data` twice: once on every label, then with suspect negatives down-weighted.
void train_student(student::XGBoostStudent& student, StudentData data, const DistillSettings& settings) {
  const auto options = student_options(settings, data.rows.size());
  student.train(data.features, data.rows, data.labels, data.weights, options);
  const std::vector<float> first = student.predict(data.features);
  for (std::size_t idx = 0; idx < data.rows.size(); ++idx) {
    if (data.labels[idx] == 0.0f && first[idx] > kSuspectNegativeScore) data.weights[idx] *= kSuspectNegativeWeight;
  }
  student.train(data.features, data.rows, data.labels, data.weights, options);
}

// Up to `count` askable queries not in `taken`, drawn across the blocking-score range (stratified).
std::vector<std::uint32_t> stratified_among_others(const candidates::CandidatePairs& pairs, std::span<const std::uint8_t> askable,
                                                   std::span<const std::uint32_t> taken, std::size_t count, std::uint64_t seed) {
  std::vector<std::uint8_t> open(pairs.num_left, 1);
  if (!askable.empty()) open.assign(askable.begin(), askable.end());
  for (std::uint32_t query : taken) open[query] = 0;
  const std::size_t num_open = select::count_askable_queries(pairs, open);
  if (num_open == 0 || count == 0) return {};
  // A share, not a count: a budget of exactly 1 would mean "all of them".
  const double share = (static_cast<double>(count) + 0.5) / static_cast<double>(num_open);
  return select::select_queries(pairs, select::SelectionStrategy::kStratified, std::min(share, 1.0), seed, nullptr, open);
}

// Uncertainty selection: a first stratified share of the budget, then rounds in which a student
// trained on the answers so far picks the queries it is least sure about (by two margins, see
// select_uncertain; where the teacher mostly says "none", part of each round is stratified again),
// until the budget is spent. Those later questions show the teacher
// that student's top candidates rather than the blocking's (as escalation does): the match is more
// often among them. Qwen2.5-32B replay, ER DistillER D2-D6, seeds 1-10: mean query accuracy 0.858 ->
// 0.863 (D3 0.576 -> 0.593, D5 0.873 -> 0.884, D6 0.889 -> 0.882).
template <typename Ask>
void ask_in_uncertainty_rounds(const DistillSettings& settings, const teacher::MatchProblem& problem, const Ask& ask,
                               const std::vector<teacher::TeacherQuery>& questions,
                               const std::vector<teacher::TeacherAnswer>& answers, std::span<const std::uint8_t> askable) {
  constexpr std::size_t kRounds = 4;
  const candidates::CandidatePairs& pairs = *problem.pairs;
  const features::FeatureMatrix& features = *problem.features;
  const std::size_t with_candidates = select::count_askable_queries(pairs, askable);
  const std::size_t total = select::budget_to_count(settings.teacher_budget, with_candidates);
  if (total == 0 || with_candidates == 0) return;
  const std::size_t per_round = (total + kRounds - 1) / kRounds;
  // A share, not a count: a budget of exactly 1 would mean "all queries".
  const double first_share = (static_cast<double>(per_round) + 0.5) / static_cast<double>(with_candidates);
  ask(select::select_queries(pairs, select::SelectionStrategy::kStratified, std::min(first_share, 1.0), settings.seed,
                             nullptr, askable),
      pairs.score);
  // On large tables a round takes a while (an interim student is trained and scores every pair).
  std::size_t round = 1;
  const auto log_round = [&] {
    spdlog::info("uncertainty selection: round {} of about {}: {} of {} questions asked", round, kRounds, questions.size(), total);
  };
  log_round();
  while (questions.size() < total) {
    const TrainingSet training = labels_from(questions, answers, problem);
    std::vector<std::uint32_t> asked;
    for (const auto& question : questions) asked.push_back(question.query);
    std::vector<std::uint32_t> next;
    std::vector<float> ranking;  // which candidates the teacher sees: empty = blocking order
    if (training.positives == 0 || training.positives == training.rows.size()) {
      // No student yet (one class only): widen the sample instead.
      next = select::select_queries(pairs, select::SelectionStrategy::kRandom,
                                    std::min(1.0, static_cast<double>(questions.size() + per_round) / with_candidates),
                                    settings.seed + questions.size(), nullptr, askable);
      next.erase(std::remove_if(next.begin(), next.end(), [&](std::uint32_t query) {
                   return std::find(asked.begin(), asked.end(), query) != asked.end();
                 }), next.end());
      if (next.size() > per_round) next.resize(per_round);
    } else {
      // The final student's options, without its positive weight: interim students trained like the
      // final one (positives x3) picked worse rounds (Qwen replay, D2-D6, seeds 1-3: mean query
      // accuracy 0.864 against 0.867 plain).
      student::StudentOptions options = student_options(settings, training.rows.size());
      options.scale_pos_weight = 1.0;
      student::XGBoostStudent round_student;
      round_student.train(features, training.rows, training.labels, training.weights, options);
      ranking = round_student.predict(features);
      // The teacher's "none" rate so far sets how the round is drawn (Qwen2.5-32B replay, ER
      // DistillER D2-D6, seeds 1-10, mean query accuracy):
      // - that share of the uncertain picks goes by the decision margin (see select_uncertain):
      //   0.862 -> 0.867 (D5 0.882 -> 0.890, D6 0.881 -> 0.892); always the candidate margin, D6
      //   asked 276 of 352 questions about persons nothing matched.
      // - its square, a share of the round, is drawn across the blocking-score range instead: where
      //   most answers are "none", the least certain queries are mostly ones the teacher gets wrong
      //   as often as not (IMDB-TVDB persons that gold links or not by no visible rule: teacher
      //   accuracy 0.68 on uncertain picks, 0.83 on a stratified sample), and clean labels of plain
      //   cases teach more. 0.867 -> 0.871 (D5 0.890 -> 0.899, D6 0.892 -> 0.903, D2-D4 within
      //   0.002); the share itself, none_rate: 0.867, none_rate^3: 0.869.
      std::size_t answered = 0, said_none = 0;
      for (const auto& answer : answers) {
        answered += answer.answered;
        said_none += answer.answered && answer.chosen < 0;
      }
      const double none_rate = answered > 0 ? static_cast<double>(said_none) / static_cast<double>(answered) : 0.0;
      const std::size_t round_count = std::min(per_round, total - questions.size());
      const auto stratified_count = static_cast<std::size_t>(std::lround(none_rate * none_rate * static_cast<double>(round_count)));
      next = select::select_uncertain(pairs, ranking, asked, round_count - stratified_count, askable, none_rate);
      if (stratified_count > 0) {
        std::vector<std::uint32_t> taken = asked;
        taken.insert(taken.end(), next.begin(), next.end());
        const auto spread = stratified_among_others(pairs, askable, taken, stratified_count, settings.seed + questions.size());
        next.insert(next.end(), spread.begin(), spread.end());
        std::sort(next.begin(), next.end());
      }
    }
    if (next.empty()) break;
    ask(next, ranking.empty() ? std::span<const float>(pairs.score) : std::span<const float>(ranking));
    ++round;
    log_round();
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


// Out-of-fold view of the student on the teacher-labelled sample: for each of kFolds groups of
// sample queries, a student trained without them scores their pairs. Held-out scores are what
// calibration and the precision goal need: the final student has seen these labels and would look
// more sure of them than it is of the queries it decides.
constexpr std::size_t kFolds = 3;
constexpr std::size_t kMaxKnownRowsHeldOut = 4000;

std::vector<float> out_of_fold_scores(const features::FeatureMatrix& features, const TrainingSet& training,
                                      const candidates::CandidatePairs& pairs, const KnownLabels* known,
                                      const DistillSettings& settings) {
  std::vector<float> held_out(training.rows.size(), -1.0f);
  for (std::size_t fold = 0; fold < kFolds; ++fold) {
    TrainingSet in_fold;
    std::vector<std::size_t> out_idx;
    for (std::size_t idx = 0; idx < training.rows.size(); ++idx) {
      // Folds by query, so that a query's candidates are held out together.
      const std::uint32_t query = pairs.left[training.rows[idx]];
      if ((query * 2654435761u) % kFolds == fold) {
        out_idx.push_back(idx);
      } else {
        in_fold.rows.push_back(training.rows[idx]);
        in_fold.labels.push_back(training.labels[idx]);
        in_fold.weights.push_back(training.weights[idx]);
        in_fold.positives += training.labels[idx] > 0.5f;
      }
    }
    const std::size_t known_rows = known != nullptr ? known->labels.size() : 0;
    StudentData data = gather(features, in_fold, known, std::max<std::size_t>(1, known_rows / kMaxKnownRowsHeldOut));
    if (out_idx.empty() || data.positives == 0 || data.positives == data.rows.size()) continue;
    student::XGBoostStudent fold_student;
    train_student(fold_student, std::move(data), settings);
    std::vector<std::uint64_t> out_rows;
    for (std::size_t idx : out_idx) out_rows.push_back(training.rows[idx]);
    const auto scores = fold_student.predict(features.rows_of(out_rows));
    for (std::size_t idx = 0; idx < out_idx.size(); ++idx) held_out[out_idx[idx]] = scores[idx];
  }
  return held_out;
}

// Who answers escalated queries: --escalate-teacher, or else the sample's teacher.
const std::string& escalation_spec_of(const DistillSettings& settings) {
  return settings.escalation_teacher.empty() ? settings.teacher : settings.escalation_teacher;
}

// Calls one escalated query costs: one to each paid member of a vote (at least one).
std::size_t calls_per_question(const std::string& spec) {
  const auto leaves = teacher::leaf_teachers(spec);
  const auto paid = static_cast<std::size_t>(std::count_if(leaves.begin(), leaves.end(), teacher::calls_llm));
  return std::max<std::size_t>(1, paid);
}

// How many escalations the goal allows, before the precision goal (which needs the margins). The call
// and money goals count calls: a vote of three pays three per query (it escalated the goal's count of
// queries, three times the calls; a money goal then ran out after one member).
std::size_t escalation_count(const route::EscalationGoal& goal, std::size_t with_candidates, double usd_per_call,
                             std::size_t calls_per_query) {
  std::size_t count = with_candidates;
  if (goal.share) count = std::min(count, static_cast<std::size_t>(std::floor(*goal.share * static_cast<double>(with_candidates) + 1e-9)));
  if (goal.max_calls) count = std::min(count, static_cast<std::size_t>(std::max<std::int64_t>(0, *goal.max_calls)) / calls_per_query);
  if (goal.max_usd && usd_per_call > 0) {
    count = std::min(count, static_cast<std::size_t>(std::floor(*goal.max_usd / (usd_per_call * static_cast<double>(calls_per_query)))));
  }
  return count;
}

// What the run will ask and may spend (spend_plan.h), worked out before the first question.
// `escalation_teacher` is the teacher that answers escalated queries when it is not `teacher` and is
// built before the sample (null otherwise); `escalation_askable` the queries it can answer.
SpendPlan plan_spend(const teacher::MatchProblem& problem, const DistillSettings& settings,
                     const teacher::TeacherOptions& teacher_options, teacher::Teacher& teacher,
                     std::span<const std::uint8_t> askable, const std::string& escalation_spec,
                     teacher::Teacher* escalation_teacher, std::span<const std::uint8_t> escalation_askable) {
  const candidates::CandidatePairs& pairs = *problem.pairs;
  SpendPlan plan;
  plan.teacher = settings.teacher;  // as given: batch:MODEL builds an openai:MODEL teacher that writes a batch
  plan.answerable_queries = select::count_askable_queries(pairs, askable);
  // Every selection strategy asks exactly the budget's count (uncertainty over its rounds).
  plan.sample_questions = select::budget_to_count(settings.teacher_budget, plan.answerable_queries);
  plan.max_calls = teacher_options.max_calls;
  plan.max_tokens = teacher_options.max_tokens;
  plan.max_usd = teacher_options.max_usd;

  // The prompts of up to kQuestionsMeasured answerable queries, spread over the table, each with its
  // best candidates by blocking score: which queries the sample will hold is known only as it is drawn.
  constexpr std::size_t kQuestionsMeasured = 200;
  std::vector<teacher::TeacherQuery> measured;
  const std::size_t stride = std::max<std::size_t>(1, plan.answerable_queries / kQuestionsMeasured);
  std::size_t answerable_seen = 0;
  for (std::uint32_t query = 0; query < pairs.num_left && measured.size() < kQuestionsMeasured; ++query) {
    if (pairs.query_size(query) == 0 || (!askable.empty() && !askable[query])) continue;
    if (answerable_seen++ % stride == 0) {
      measured.push_back(question_for(query, pairs, pairs.score, settings.teacher_candidates));
    }
  }
  plan.sample_cost = teacher.question_cost(problem, measured);

  if (!settings.escalation.any()) return plan;
  plan.escalation_teacher = escalation_spec;
  teacher::Teacher* answering = escalation_teacher != nullptr ? escalation_teacher : &teacher;
  std::unique_ptr<teacher::Teacher> other_llm;  // the run builds it with its caps after the sample
  if (escalation_teacher == nullptr && escalation_spec != settings.teacher) {
    other_llm = teacher::make_teacher(escalation_spec, teacher_options);
    answering = other_llm.get();
  }
  plan.escalation_cost = answering->question_cost(problem, measured);
  const std::size_t with_candidates = select::count_askable_queries(pairs, escalation_askable);
  // Queries the sample answered are not escalated, but those it left unanswered (refused, failed) may
  // be: the bound takes every query (it left them out and fell short). A money goal counts calls at
  // what the sample's calls really cost, known only then, so here it bounds the money and not the
  // count (usd_per_call 0: the count ignores it).
  plan.escalation_questions = escalation_count(settings.escalation, with_candidates, 0.0, calls_per_question(escalation_spec));
  plan.escalation_max_usd = settings.escalation.max_usd;
  plan.escalation_fixed_after_training = settings.escalation.target_precision.has_value();
  return plan;
}

double report_number(const nlohmann::json& report, const char* key) {
  return report.contains(key) && report[key].is_number() ? report[key].get<double>() : 0.0;
}

}  // namespace

teacher::TeacherQuery question_for(std::uint32_t query, const candidates::CandidatePairs& pairs,
                                   std::span<const float> ranking, int limit) {
  teacher::TeacherQuery question;
  question.query = query;
  for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
    question.shown.push_back(pair);
  }
  std::sort(question.shown.begin(), question.shown.end(), [&](std::uint64_t a, std::uint64_t b) {
    return ranking[a] != ranking[b] ? ranking[a] > ranking[b] : a < b;
  });
  if (question.shown.size() > static_cast<std::size_t>(limit)) question.shown.resize(static_cast<std::size_t>(limit));
  return question;
}

TeacherDecision decision_of(const teacher::TeacherQuery& question, const teacher::TeacherAnswer& answer) {
  return {answer.query,
          answer.chosen >= 0 ? static_cast<std::int64_t>(question.shown[static_cast<std::size_t>(answer.chosen)]) : -1,
          answer.explanation};
}

void check_distill_settings(const DistillSettings& settings) {
  if (settings.teacher != "none") teacher::check_teacher_spec(settings.teacher);
  // OpenAI's own endpoint refuses a request without a key: said now, not after blocking and retries.
  // A local OpenAI-compatible server (OPENAI_BASE_URL) may need none; a dry run and batch: call nothing.
  const auto set = [](const char* name) { const char* value = std::getenv(name); return value != nullptr && *value != '\0'; };
  const auto calls_now = [](const std::string& spec) { return teacher::calls_llm(spec) && !teacher::exports_batch(spec); };
  const bool calls_openai_now = calls_now(settings.teacher) || calls_now(settings.escalation_teacher);
  if (calls_openai_now && !settings.dry_run && !set("OPENAI_BASE_URL") && !set("OPENAI_API_KEY")) {
    throw InputError("OPENAI_API_KEY is not set, and the OpenAI endpoint needs it (for another OpenAI-compatible "
                     "server, set OPENAI_BASE_URL)");
  }
  if (settings.teacher_candidates < 1) throw InputError("--teacher-candidates must be at least 1");
  if (!(std::isfinite(settings.teacher_budget) && settings.teacher_budget >= 0)) {
    throw InputError("--teacher-budget must be a share in [0, 1] or a count > 1");
  }
  if (settings.threads < 0) throw InputError("--threads must not be negative");
  const route::EscalationGoal& goal = settings.escalation;
  if (goal.share && !(*goal.share >= 0 && *goal.share <= 1)) throw InputError("--escalate-share must be in [0, 1]");
  if (goal.max_calls && *goal.max_calls < 0) throw InputError("--escalate-max-calls must not be negative");
  if (goal.max_usd && !(std::isfinite(*goal.max_usd) && *goal.max_usd >= 0 && *goal.max_usd <= teacher::kMaxUsdCap)) {
    throw InputError(fmt::format("--escalate-max-usd must be a number in [0, {:g}]", teacher::kMaxUsdCap));
  }
  // A money cap without prices would count every call as free, and so cap nothing.
  const teacher::TeacherOptions& options = settings.teacher_options;
  const bool priced = options.usd_per_million_prompt_tokens > 0 || options.usd_per_million_completion_tokens > 0;
  const bool pays = teacher::calls_llm(settings.teacher) || teacher::calls_llm(settings.escalation_teacher);
  if (goal.max_usd && pays && !priced) {
    throw InputError("--escalate-max-usd needs the model's prices: give --teacher-price PROMPT,COMPLETION");
  }
  if (options.max_usd && pays && !priced) {
    throw InputError("--teacher-max-usd needs the model's prices: give --teacher-price PROMPT,COMPLETION");
  }
  teacher::check_run_caps(options);
  if (goal.target_precision && !(*goal.target_precision > 0 && *goal.target_precision <= 1)) {
    throw InputError("--escalate-target-precision must be in (0, 1]");
  }
  if (goal.any() && settings.teacher == "none") throw InputError("escalation needs a teacher (--teacher is none)");
  // Escalation asks a stronger judge about the student's least certain queries. The built-in teacher
  // is the student's own source, weaker than the student there: on the bundled example 5% escalated
  // to it took pair F1 from 0.78 to 0.41 (its "none" answers, learnt again, sank every other query).
  const std::string& escalation_spec = escalation_spec_of(settings);
  if (goal.any() && escalation_spec == teacher::UnsupervisedTeacher::kSpec) {
    throw InputError("escalation needs an LLM teacher to ask (--escalate-teacher openai:MODEL, or --teacher); the "
                     "built-in unsupervised teacher is what the student already learnt from");
  }
  if (settings.dry_run && settings.teacher == "none") {
    throw InputError("--dry-run plans the teacher's questions, and --teacher none asks none: give a --teacher");
  }
  if (!settings.escalation_teacher.empty()) teacher::check_teacher_spec(settings.escalation_teacher);
}

nlohmann::json distill_config_json(const DistillSettings& settings) {
  nlohmann::json config = {{"teacher", settings.teacher},
                           {"teacher_budget", settings.teacher_budget},
                           {"selection", select::selection_strategy_name(settings.selection)},
                           {"teacher_candidates", settings.teacher_candidates},
                           {"seed", settings.seed},
                           {"threads", settings.threads > 0 ? settings.threads : omp_get_max_threads()}};
  const route::EscalationGoal& goal = settings.escalation;
  nlohmann::json escalation = nlohmann::json::object();
  if (goal.share) escalation["share"] = *goal.share;
  if (goal.max_calls) escalation["max_calls"] = *goal.max_calls;
  if (goal.max_usd) escalation["max_usd"] = *goal.max_usd;
  if (goal.target_precision) escalation["target_precision"] = *goal.target_precision;
  if (goal.any()) escalation["candidate_order"] = goal.shuffle_candidates ? "shuffled" : "student";
  if (goal.any()) escalation["teacher"] = escalation_spec_of(settings);
  config["escalation"] = escalation;
  return config;
}

void refuse_builtin_teacher(const DistillSettings& settings, const std::string& command) {
  for (const auto& [option, spec] : {std::pair<std::string, std::string>{"--teacher", settings.teacher},
                                      {"--escalate-teacher", settings.escalation_teacher}}) {
    if (teacher::uses_builtin_teacher(spec)) {
      throw InputError(option + " " + spec + ": the built-in unsupervised teacher works in match only (it reads match's " +
                       "record features); " + command + " learns from " +
                       (command == "align" ? "its seeds (--seed-share)" : "the dictionary") +
                       " and from an LLM teacher (openai:, batch:, replay:)");
    }
  }
}

bool uses_llm(const DistillSettings& settings) {
  return teacher::calls_llm(settings.teacher) ||
         (settings.escalation.any() && !settings.escalation_teacher.empty() && teacher::calls_llm(settings.escalation_teacher));
}

namespace {

// One run of distill(): its stages in the order they run, and what each hands on to the next.
class Distillation {
 public:
  Distillation(const teacher::MatchProblem& problem, const KnownLabels* known, const DistillSettings& settings,
               StageTimer& timer)
      : problem_(problem), pairs_(*problem.pairs), features_(*problem.features), known_(known), settings_(settings),
        timer_(timer) {}

  DistillResult run() {
    result_.report = nlohmann::json::object();
    result_.feature_names = features_.names;
    result_.routes.assign(pairs_.num_left, route::Route::kStudent);
    for (std::size_t query = 0; query < pairs_.num_left; ++query) {
      if (pairs_.query_size(query) == 0) result_.routes[query] = route::Route::kNoCandidates;
    }
    // No candidate pair at all (no two records share a word or a 3-gram): nothing to ask or learn, and
    // nothing to match. The run ends with no matches instead of failing on a sample with no labels.
    if (pairs_.num_pairs() == 0 && settings_.teacher != "none") {
      spdlog::warn("no candidate pairs: no two records share a word or a 3-gram, so there is nothing to ask the "
                   "teacher and nothing to match");
    }
    if (settings_.teacher == "none" || pairs_.num_pairs() == 0) {
      decide_without_teacher();
      return std::move(result_);
    }
    if (!label_sample()) return std::move(result_);
    learn_from_sample();
    if (settings_.escalation.any()) escalate();
    return std::move(result_);
  }

 private:
  // No teacher: a student learns from the task's own labels when it has both classes (EA seed links);
  // otherwise mutual best blocking candidates decide.
  void decide_without_teacher() {
    const StudentData known_only = gather(features_, TrainingSet{}, known_);
    if (known_only.positives > 0 && known_only.positives < known_only.rows.size()) {
      result_.student = std::make_unique<student::XGBoostStudent>();
      train_student(*result_.student, known_only, settings_);
      result_.student_scores = result_.student->predict(features_);
      result_.student_model_json = result_.student->save_json();
    } else {
      result_.student_scores = mutual_best_scores(pairs_);
      for (route::Route& route : result_.routes) {
        if (route == route::Route::kStudent) route = route::Route::kCandidateScore;
      }
    }
    result_.scores = result_.student_scores;
    timer_.finish("student");
  }

  // 1. The teacher labels the training sample. False when the run stops before training: a dry run
  // (its plan is the result), or batch: requests written (they come back by batch-import).
  bool label_sample() {
    teacher_options_ = settings_.teacher_options;
    teacher_options_.seed = settings_.seed;
    // One budget for every paid call of the run: the sample's (all vote members) and escalation's.
    teacher_options_.run_budget = teacher::make_run_budget(teacher_options_);
    teacher_ = teacher::make_teacher(settings_.teacher, teacher_options_);
    const auto ask = [&](const std::vector<std::uint32_t>& selected, std::span<const float> ranking) {
      std::vector<teacher::TeacherQuery> round;
      round.reserve(selected.size());
      for (std::uint32_t query : selected) round.push_back(question_for(query, pairs_, ranking, settings_.teacher_candidates));
      auto round_answers = teacher_->answer(problem_, round);
      questions_.insert(questions_.end(), round.begin(), round.end());
      answers_.insert(answers_.end(), round_answers.begin(), round_answers.end());
    };
    const std::vector<std::uint8_t> askable = teacher_->askable(problem_);
    if (!askable.empty()) {
      const std::size_t askable_queries = select::count_askable_queries(pairs_, askable);
      const std::size_t with_candidates = select::count_askable_queries(pairs_, {});
      if (askable_queries == 0 && with_candidates > 0) {
        throw InputError(fmt::format("teacher {}: it can answer none of the {} queries (no recording holds their ids: "
                                     "are these the recordings of this --left table?)",
                                     teacher_->spec(), with_candidates));
      }
      result_.report["teacher"]["askable_queries"] = askable_queries;
      spdlog::info("teacher {}: can answer {} of the queries with candidates; the sample is drawn from those",
                   teacher_->spec(), askable_queries);
    }
    // Who answers escalated queries, and which (a recording answers only those it holds; the goal's share
    // is a share of those). Another teacher that is not an LLM has no caps to set, so it is built now.
    escalation_spec_ = escalation_spec_of(settings_);
    if (settings_.escalation.any() && escalation_spec_ != settings_.teacher && !teacher::calls_llm(escalation_spec_)) {
      escalation_teacher_ = teacher::make_teacher(escalation_spec_, teacher_options_);
    }
    escalation_askable_ = escalation_teacher_ ? escalation_teacher_->askable(problem_)
                          : escalation_spec_ == settings_.teacher ? askable
                                                                  : std::vector<std::uint8_t>();

    // What the run will ask and may spend, said before the first paid question.
    const SpendPlan plan = plan_spend(problem_, settings_, teacher_options_, *teacher_, askable, escalation_spec_,
                                      escalation_teacher_.get(), escalation_askable_);
    if (plan.paid() || settings_.dry_run) {
      for (const std::string& line : plan.describe()) spdlog::info("{}", line);
      result_.report["plan"] = plan.to_json();
    }
    if (settings_.dry_run) {
      spdlog::warn("dry run: stopping before the first question; nothing was asked and no matches are written");
      result_.stopped_before_training = true;
      return false;
    }
    if (settings_.selection == select::SelectionStrategy::kUncertainty) {
      ask_in_uncertainty_rounds(settings_, problem_, ask, questions_, answers_, askable);
    } else {
      ask(select::select_queries(pairs_, settings_.selection, settings_.teacher_budget, settings_.seed, &features_, askable),
          pairs_.score);
    }
    result_.teacher_calls = answers_.size();
    unanswered_ = static_cast<std::size_t>(
        std::count_if(answers_.begin(), answers_.end(), [](const teacher::TeacherAnswer& answer) { return !answer.answered; }));
    if (unanswered_ > 0) {
      spdlog::warn("teacher {}: {} of {} queries got no usable answer", teacher_->spec(), unanswered_, answers_.size());
    }
    result_.report["teacher"]["unanswered"] = unanswered_;
    result_.report["teacher"]["report"] = teacher_->report();
    if (report_number(result_.report["teacher"]["report"], "exported") > 0) {
      spdlog::warn("stopping before training: nothing is scored until the batch results are imported");
      result_.stopped_before_training = true;
      return false;
    }
    // For an LLM teacher a "call" is a request actually sent (cached answers and refused ones are not).
    if (result_.report["teacher"]["report"].contains("called")) {
      result_.teacher_calls = result_.report["teacher"]["report"]["called"].get<std::size_t>();
    }
    std::size_t named = 0;
    for (std::size_t idx = 0; idx < answers_.size(); ++idx) {
      if (!answers_[idx].answered) continue;
      named += answers_[idx].chosen >= 0;
      result_.sample_decisions.push_back(decision_of(questions_[idx], answers_[idx]));
    }
    result_.report["teacher"]["matches_named"] = named;
    spdlog::info("teacher {}: {} queries asked ({}), {} named a match ({:.2f} s)", teacher_->spec(), answers_.size(),
                 select::selection_strategy_name(settings_.selection), named, timer_.finish("teacher"));
    result_.sample_questions = questions_;
    result_.sample_answers = answers_;
    return true;
  }

  // 2. The student learns from the answers and the task's known labels, and scores every pair.
  void learn_from_sample() {
    training_ = labels_from(questions_, answers_, problem_);
    StudentData data = gather(features_, training_, known_);
    if (data.positives == 0 || data.positives == data.rows.size()) {
      // Where the run's caps refused the questions, that is the reason to give.
      const teacher::BudgetReport spent = teacher_options_.run_budget->report();
      const std::string refused = spent.refused > 0 ? fmt::format("; {} questions were refused by the hard caps "
                                                                  "(--teacher-max-calls, -tokens, -usd)", spent.refused)
                                                    : "";
      throw RuntimeFailure(fmt::format(
          "the teacher's answers ({} of {} queries answered) hold {} — the student needs both matches and "
          "non-matches{}; raise --teacher-budget, try another --selection, or check the teacher",
          answers_.size() - unanswered_, answers_.size(), data.positives == 0 ? "no match" : "no non-match", refused));
    }
    training_rows_ = data.rows.size();
    result_.student = std::make_unique<student::XGBoostStudent>();
    train_student(*result_.student, std::move(data), settings_);
    // Deciding is what the student does for every query: timed on its own (the target: at most 1 ms per query).
    const auto predict_start = std::chrono::steady_clock::now();
    result_.student_scores = result_.student->predict(features_);
    const double predict_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - predict_start).count();
    const std::size_t decided_queries = select::count_askable_queries(pairs_, {});
    result_.report["student"] = {{"predict_seconds", predict_seconds},
                                 {"queries", decided_queries},
                                 {"ms_per_query", decided_queries > 0 ? 1000.0 * predict_seconds / static_cast<double>(decided_queries) : 0.0}};
    result_.student_model_json = result_.student->save_json();
    spdlog::info("student: trained on {} labelled pairs ({} from the teacher, {} matches), scored {} pairs ({:.2f} s)",
                 training_rows_, training_.rows.size(), training_.positives, result_.student_scores.size(),
                 timer_.finish("student"));
    result_.scores = result_.student_scores;
  }

  // 3. Route: the least certain queries the teacher has not seen go to it now, one call each; then 4.
  // Those it answered for the sample stay with the student, which learnt from those answers: deciding
  // them by the teacher's answer instead measured worse (D2 query accuracy 0.946 -> 0.938 with Qwen).
  void escalate() {
    nlohmann::json& routing = result_.report["routing"];
    const std::vector<std::uint32_t> escalated = least_certain_queries(routing);

    // The escalation teacher gets its own caps, so that the goal holds exactly however answers arrive:
    // one call per escalated query for each teacher (each member of a vote answers each query), and the
    // money goal for all of them together, inside the run's budget, which the sample has drawn on.
    teacher::TeacherOptions escalation_options = teacher_options_;
    if (settings_.escalation.max_usd) {
      teacher::BudgetCaps stage_caps;
      stage_caps.max_usd = settings_.escalation.max_usd;
      escalation_options.run_budget = std::make_shared<teacher::CallBudget>(stage_caps, std::map<std::string, teacher::ModelPrice>{},
                                                                            teacher_options_.run_budget);
    }
    escalation_options.own_caps = {};
    escalation_options.own_caps.max_calls = static_cast<std::int64_t>(escalated.size());
    if (!escalation_teacher_) {
      escalation_teacher_ = teacher::calls_llm(escalation_spec_) ? teacher::make_teacher(escalation_spec_, escalation_options)
                                                                 : std::move(teacher_);
    }
    std::vector<teacher::TeacherQuery> escalation_questions;
    for (std::uint32_t query : escalated) {
      auto question = question_for(query, pairs_, result_.student_scores, settings_.teacher_candidates);
      question.keep_order = !settings_.escalation.shuffle_candidates;
      escalation_questions.push_back(std::move(question));
    }
    // A teacher that fails here costs the run nothing it had: the student's decisions stand.
    std::vector<teacher::TeacherAnswer> escalation_answers;
    try {
      escalation_answers = escalation_teacher_->answer(problem_, escalation_questions);
    } catch (const RuntimeFailure& error) {
      spdlog::warn("routing: the teacher failed ({}); the student decides the {} escalated queries", error.what(),
                   escalation_questions.size());
      routing["teacher_error"] = error.what();
      escalation_answers.assign(escalation_questions.size(), teacher::TeacherAnswer{});
    }
    learn_again_and_merge(escalated, escalation_questions, escalation_answers, routing);
  }

  // The student's calibration and its threshold on that scale, and the queries it is least sure of that
  // the teacher may be asked about, as many as the goal allows.
  std::vector<std::uint32_t> least_certain_queries(nlohmann::json& routing) {
    // Queries not to escalate: those the sample already answered, and those the escalation teacher
    // cannot answer (escalation_askable_).
    std::vector<std::uint8_t> answered(pairs_.num_left, 0);
    for (const TeacherDecision& decision : result_.sample_decisions) answered[decision.query] = 1;
    for (std::size_t query = 0; query < escalation_askable_.size(); ++query) answered[query] |= !escalation_askable_[query];

    const std::vector<float> held_out = out_of_fold_scores(features_, training_, pairs_, known_, settings_);
    std::vector<float> held_out_scores, held_out_labels;
    for (std::size_t idx = 0; idx < held_out.size(); ++idx) {
      if (held_out[idx] < 0) continue;
      held_out_scores.push_back(held_out[idx]);
      held_out_labels.push_back(training_.labels[idx]);
    }
    result_.calibration = route::PlattScaling::fit(held_out_scores, held_out_labels);
    // The student decides on raw probabilities; the same cut on the calibrated scale (Platt is monotone).
    threshold_ = settings_.decision_threshold ? settings_.decision_threshold(result_.student_scores) : 0.5f;
    calibrated_threshold_ = result_.calibration.a > 0 ? result_.calibration.apply(threshold_) : threshold_;
    confidences_ = confidences_of(result_.student_scores);

    with_candidates_ = select::count_askable_queries(pairs_, escalation_askable_);
    // What a paid call cost so far (every teacher of the run, vote members included).
    const teacher::BudgetReport spent = teacher_options_.run_budget->report();
    const double usd_per_call = spent.calls > 0 ? spent.usd / static_cast<double>(spent.calls) : 0.0;
    std::size_t count = escalation_count(settings_.escalation, with_candidates_, usd_per_call, calls_per_question(escalation_spec_));
    // The student's held-out decisions on the sample, judged against the teacher's answers: how well
    // the student reproduces its teacher (reported), and what the precision goal is fitted on.
    std::vector<float> sample_margins;
    std::vector<std::uint8_t> sample_correct;
    {
      std::vector<float> query_scores(pairs_.num_pairs(), 0.0f);
      for (std::size_t idx = 0; idx < held_out.size(); ++idx) {
        if (held_out[idx] >= 0) query_scores[training_.rows[idx]] = result_.calibration.apply(held_out[idx]);
      }
      const auto held_out_confidences = route::query_confidences(pairs_, query_scores, calibrated_threshold_);
      for (const TeacherDecision& decision : result_.sample_decisions) {
        const auto& confidence = held_out_confidences[decision.query];
        const std::int64_t student_choice = confidence.none_wins ? -1 : confidence.best_pair;
        sample_margins.push_back(confidence.margin);
        sample_correct.push_back(student_choice == decision.chosen_pair);
      }
    }
    if (!sample_correct.empty()) {
      routing["student_teacher_agreement"] =
          static_cast<double>(std::count(sample_correct.begin(), sample_correct.end(), 1)) / static_cast<double>(sample_correct.size());
    }
    if (settings_.escalation.target_precision) {
      const float cut = route::margin_for_precision(sample_margins, sample_correct, *settings_.escalation.target_precision);
      std::size_t below = 0;
      for (std::size_t query = 0; query < pairs_.num_left; ++query) {
        below += confidences_[query].best_pair >= 0 && !answered[query] && confidences_[query].margin < cut;
      }
      count = std::min(count, below);
      routing["margin_cut"] = std::isfinite(cut) ? nlohmann::json(cut) : nlohmann::json("all");
    }
    return route::least_certain(confidences_, answered, count);
  }

  // A student's confidence per query, judged on its calibrated probabilities.
  std::vector<route::QueryConfidence> confidences_of(std::span<const float> scores) const {
    std::vector<float> calibrated(scores.size());
    for (std::size_t pair = 0; pair < calibrated.size(); ++pair) calibrated[pair] = result_.calibration.apply(scores[pair]);
    return route::query_confidences(pairs_, calibrated, calibrated_threshold_);
  }

  // 4. The answers paid for on escalation are labels too: the student learns again from them and the
  // sample's, and decides the queries the teacher did not. Deciding those by the first student instead
  // measured worse: Qwen replay, 25% escalated, seeds 1-12, mean query accuracy 0.878 -> 0.884 (D3 +.009,
  // D5 +.012, D6 +.006). Weighting these labels at 0.5 or 0.3, or escalating in two or four rounds with
  // the student relearning between them, or calibrating the second student on its own held-out scores
  // (three more trainings), made no difference (0.883-0.884). Where the answers are a
  // sliver of what the first student learnt from (entity linking's self-supervised dictionary: 478 of
  // 150,251 rows on NCBI), learning again costs a whole training (3.7 s there) and changes nothing.
  // Then the teacher's answers are merged into the decisions.
  void learn_again_and_merge(const std::vector<std::uint32_t>& escalated,
                             const std::vector<teacher::TeacherQuery>& escalation_questions,
                             const std::vector<teacher::TeacherAnswer>& escalation_answers, nlohmann::json& routing) {
    std::vector<float> final_scores;
    const TrainingSet escalation_training = labels_from(escalation_questions, escalation_answers, problem_);
    if (!escalation_training.rows.empty() &&
        static_cast<double>(escalation_training.rows.size()) >= kRelearnMinShare * static_cast<double>(training_rows_)) {
      TrainingSet both = training_;
      both.append(with_class_share_of(escalation_training, training_));
      StudentData data = gather(features_, both, known_);
      const std::size_t rows = data.rows.size();
      auto relearnt = std::make_unique<student::XGBoostStudent>();
      train_student(*relearnt, std::move(data), settings_);
      final_scores = relearnt->predict(features_);
      result_.student = std::move(relearnt);
      result_.student_model_json = result_.student->save_json();
      routing["relearnt_on"] = {{"labelled_pairs", rows}, {"from_escalation", escalation_training.rows.size()}};
      spdlog::info("routing: the student learnt again from {} labelled pairs, {} of them from escalated answers",
                   rows, escalation_training.rows.size());
    }
    // The merge judges the teacher against the student that decides the other queries.
    std::vector<route::QueryConfidence> deciding_confidences;
    if (!final_scores.empty()) {
      deciding_confidences = confidences_of(final_scores);
      result_.scores = final_scores;
      result_.first_student_scores = std::move(result_.student_scores);
      result_.student_scores = std::move(final_scores);
    }
    const auto& merge_confidences = deciding_confidences.empty() ? confidences_ : deciding_confidences;
    std::size_t failed = 0, kept_student = 0, kept_over_claim = 0;
    std::optional<route::RecordClaims> claims;
    if (settings_.one_to_one) claims.emplace(pairs_, result_.student_scores);
    for (std::size_t idx = 0; idx < escalated.size(); ++idx) {
      const std::uint32_t query = escalated[idx];
      if (!escalation_answers[idx].answered) {
        result_.routes[query] = route::Route::kTeacherFailed;
        ++failed;
        continue;
      }
      const TeacherDecision decision = decision_of(escalation_questions[idx], escalation_answers[idx]);
      result_.escalated_decisions.push_back(decision);
      if (!route::teacher_decides(decision.chosen_pair, merge_confidences[query])) {
        result_.routes[query] = route::Route::kStudentKept;
        ++kept_student;
        continue;
      }
      if (claims && claims->claimed_elsewhere(decision.chosen_pair, threshold_)) {
        result_.routes[query] = route::Route::kStudentKeptOverClaim;
        ++kept_over_claim;
        continue;
      }
      route::apply_teacher_decision(pairs_, query, decision.chosen_pair, result_.scores);
      result_.routes[query] = route::Route::kTeacher;
    }
    const nlohmann::json escalation_report = escalation_teacher_->report();
    routing["escalated"] = escalated.size();
    routing["escalated_share"] = with_candidates_ > 0 ? static_cast<double>(escalated.size()) / static_cast<double>(with_candidates_) : 0.0;
    routing["failed"] = failed;
    routing["student_kept_over_teacher_none"] = kept_student;
    if (settings_.one_to_one) routing["student_kept_over_teacher_claim"] = kept_over_claim;
    routing["calibration"] = {{"a", result_.calibration.a}, {"b", result_.calibration.b}};
    routing["teacher_report"] = escalation_report;
    if (escalation_report.contains("called")) {
      result_.teacher_calls += escalation_report["called"].get<std::size_t>();
    } else {
      result_.teacher_calls += escalated.size();
    }
    const std::size_t exported = static_cast<std::size_t>(report_number(escalation_report, "exported"));
    if (exported > 0) {
      spdlog::warn("routing: {} of {} escalated queries written as Batch API requests; the student decides them in this "
                   "run, the teacher after batch-import and a run again",
                   exported, escalated.size());
    }
    if (failed > exported) {
      spdlog::warn("routing: the teacher gave no usable answer on {} of {} escalated queries; the student decides them",
                   failed - exported, escalated.size());
    }
    spdlog::info("routing: {} of {} queries escalated to {} ({} exported, {} failed, {} kept by a sure student, {} whose "
                 "record the student gives to another query) ({:.2f} s)", escalated.size(), with_candidates_,
                 escalation_spec_, exported, failed - std::min(failed, exported), kept_student, kept_over_claim,
                 timer_.finish("route"));
  }

  const teacher::MatchProblem& problem_;
  const candidates::CandidatePairs& pairs_;
  const features::FeatureMatrix& features_;
  const KnownLabels* known_;
  const DistillSettings& settings_;
  StageTimer& timer_;
  DistillResult result_;
  // 1. The sample: its teacher (and the run's budget, in its options), what was asked and answered,
  // and who answers escalated queries.
  teacher::TeacherOptions teacher_options_;
  std::unique_ptr<teacher::Teacher> teacher_;
  std::vector<teacher::TeacherQuery> questions_;
  std::vector<teacher::TeacherAnswer> answers_;
  std::size_t unanswered_ = 0;
  std::string escalation_spec_;
  std::unique_ptr<teacher::Teacher> escalation_teacher_;
  std::vector<std::uint8_t> escalation_askable_;
  // 2. What the first student learnt from.
  TrainingSet training_;
  std::size_t training_rows_ = 0;
  // 3. The first student's confidences and cut, on the calibrated scale, and the queries routing counts.
  float threshold_ = 0.5f;
  float calibrated_threshold_ = 0.5f;
  std::vector<route::QueryConfidence> confidences_;
  std::size_t with_candidates_ = 0;
};

}  // namespace

DistillResult distill(const teacher::MatchProblem& problem, const KnownLabels* known, const DistillSettings& settings,
                      StageTimer& timer) {
  return Distillation(problem, known, settings, timer).run();
}

}  // namespace matchmaker::pipeline
