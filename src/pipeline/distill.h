// The machinery every task shares once it has candidates and features: select queries -> teacher
// answers them -> student learns from the answers (and from labels the task knows without a teacher)
// -> student scores every pair -> uncertain queries go to the teacher, one call each -> the student
// learns again with those answers too -> final scores.
// ER (match_job), EA (align_job) and EL (link_job) differ only in how they load, find candidates and
// compute features; they all call distill() and then resolve the scores their own way.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/stage_timer.h"
#include "route/router.h"
#include "student/xgboost_student.h"
#include "select/query_selection.h"
#include "teacher/teacher.h"

namespace matchmaker::workspace {
class Workspace;
}

namespace matchmaker::pipeline {

// Labelled pairs the task knows without asking the teacher: EA seed links, EL dictionary synonyms used
// as pseudo-mentions. They need not be candidate pairs of the problem, but their features have the
// same columns as the problem's FeatureMatrix.
struct KnownLabels {
  features::FeatureMatrix features;
  std::vector<float> labels;   // 1 match, 0 non-match; one per feature row
  std::vector<float> weights;  // one per feature row
};

struct DistillSettings {
  // True when --selection was left at auto: follow_batch_run may then take a batch run's selection.
  bool selection_by_default = false;
  std::string teacher = "unsupervised";   // a teacher spec (teacher/teacher.h), or "none"
  teacher::TeacherOptions teacher_options;
  double teacher_budget = 0.10;           // training sample: share (<= 1) or number (> 1) of queries
  select::SelectionStrategy selection = select::SelectionStrategy::kBlockingMax;
  int teacher_candidates = 10;            // candidates shown per query, in blocking order
  // Weight of a positive label against a negative one. Best-match and one-to-one tasks want matches
  // lifted (3); clustering chains through lifted scores and wants 1.
  double positive_weight = 3.0;
  route::EscalationGoal escalation;       // which uncertain queries go to the teacher after training
  std::string escalation_teacher;         // who answers escalated queries; empty: `teacher`
  // The probability from which the student calls a match, given its scores of every pair (the task's
  // resolve step uses the same cut; routing needs it to tell "match" from "none"). Default 0.5.
  std::function<float(std::span<const float>)> decision_threshold;
  // Each right record matches at most one query (unique mapping): an escalated teacher's choice yields
  // to a surer student claim on that record from another query (route::RecordClaims).
  bool one_to_one = false;
  int threads = 0;
  std::uint64_t seed = 42;
  // Plan the teacher's questions and their cost (logged, and report["plan"]), then stop before asking any.
  bool dry_run = false;
};

// What the teacher said about one query, in the sample or on escalation.
struct TeacherDecision {
  std::uint32_t query = 0;
  std::int64_t chosen_pair = -1;  // candidate pair index; -1 = none
  std::string explanation;        // the teacher's rationale, when it gave one
};

// The teacher's question for a query: its best `limit` candidates by `ranking` (one score per pair),
// ties to the lower pair index.
teacher::TeacherQuery question_for(std::uint32_t query, const candidates::CandidatePairs& pairs,
                                   std::span<const float> ranking, int limit);
// What the teacher's answer to `question` decided, as a candidate pair (or -1: none).
TeacherDecision decision_of(const teacher::TeacherQuery& question, const teacher::TeacherAnswer& answer);

struct DistillResult {
  // Final score per candidate pair: the student's match probability, except on queries whose decision
  // the teacher made (see route::merge_teacher_decisions).
  std::vector<float> scores;
  std::vector<float> student_scores;                // the student's (`student`) alone
  // With escalation the student learns again from the escalated answers (distill step 4); these are
  // then the scores of the first student, trained on the sample alone, and empty otherwise.
  std::vector<float> first_student_scores;
  std::vector<route::Route> routes;                 // per query (left row)
  std::vector<TeacherDecision> sample_decisions;    // training sample answers (evaluation, explanations)
  std::vector<TeacherDecision> escalated_decisions; // answers to escalated queries
  std::string student_model_json;                   // empty without a student
  std::unique_ptr<student::XGBoostStudent> student; // null without a student (teacher "none")
  route::PlattScaling calibration;                  // student probability -> calibrated (identity unless routing)
  std::vector<teacher::TeacherQuery> sample_questions;
  std::vector<teacher::TeacherAnswer> sample_answers;
  std::vector<std::string> feature_names;
  nlohmann::json report;                            // "teacher" and "routing" sections for the metrics JSON
  // Nothing was scored: batch:MODEL wrote its requests (they come back by batch-import), or a dry run
  // planned the questions (report["plan"]) and asked none.
  bool stopped_before_training = false;
  std::size_t teacher_calls = 0;

  // What the student would have decided with no escalation at all: the first student's scores.
  std::span<const float> scores_without_escalation() const {
    return first_student_scores.empty() ? std::span<const float>(student_scores) : std::span<const float>(first_student_scores);
  }
};

// Throws InputError for settings no run can use (unknown teacher, negative budget, bad goal ...).
void check_distill_settings(const DistillSettings& settings);

// Throws InputError when the sample's or the escalation teacher is (or holds) the built-in unsupervised
// teacher, which reads match's record features only: `command` (align, link) has other features and
// its own labels (seeds, the dictionary).
void refuse_builtin_teacher(const DistillSettings& settings, const std::string& command);

// The settings as they go into the metrics JSON and the workspace's run record.
nlohmann::json distill_config_json(const DistillSettings& settings);

// True when the sample's teacher or the escalation teacher calls an LLM (now, or through a batch).
bool uses_llm(const DistillSettings& settings);

// Runs the shared machinery on `problem`. `known` may be null. Throws RuntimeFailure when the labels
// hold only one class. It records nothing: the job stores the model and decisions in its workspace.
DistillResult distill(const teacher::MatchProblem& problem, const KnownLabels* known, const DistillSettings& settings,
                      StageTimer& timer);

}  // namespace matchmaker::pipeline
