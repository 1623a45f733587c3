// Certainty-aware routing (HIEA): the student decides the queries it is sure of; the least certain
// ones go to the teacher, one call each, within a goal the user states.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "candidates/candidate_pairs.h"

namespace matchmaker::route {

// Who decided a query.
enum class Route : std::uint8_t {
  kNoCandidates,   // nothing to decide: no candidate pairs
  kStudent,        // the student alone
  kCandidateScore,  // no student (no teacher, or a task whose final scores are its candidate model's):
                    // the candidate search's similarity, or align's structural model, decided
  kSample,         // the teacher, asked while labelling the training sample (EA seed-free anchors)
  kTeacher,        // the teacher, on escalation
  kTeacherFailed,  // escalated, but the teacher gave no usable answer: the student's decision stands
  kStudentKept,    // escalated, the teacher said "none", but the student was sure (teacher_decides())
  kStudentKeptOverClaim,  // escalated, the teacher named a record the student gives more surely to
                          // another query (RecordClaims), one-to-one tasks only
};
std::string route_name(Route route);

// How many uncertain queries may go to the teacher after training. Unset fields do not limit; with
// every field unset nothing is escalated. When several are set, the strictest wins.
struct EscalationGoal {
  std::optional<double> share;             // at most this share of the queries that have candidates
  std::optional<std::int64_t> max_calls;   // at most this many teacher calls
  std::optional<double> max_usd;           // at most this much money (needs prices per token)
  std::optional<double> target_precision;  // escalate until the student's remaining decisions reach it
  bool shuffle_candidates = false;         // show the teacher the student's top candidates shuffled
                                           // (false: best first)
  bool any() const { return share || max_calls || max_usd || target_precision; }
};

// "student", "shuffled"; throws InputError otherwise.
bool parse_candidate_order(const std::string& name);

// How sure the student is about one query.
struct QueryConfidence {
  float best = 0.0f;         // (calibrated) probability of its best candidate
  float second = 0.0f;       // of its second best (0 with a single candidate)
  float margin = 1.0f;       // 0 = a coin toss, 1 = certain; see query_confidences()
  bool none_wins = false;    // best < threshold: the student says "no match"
  std::int64_t best_pair = -1;
};

// Per query (left row). A query's margin is the distance of its decision from the nearest other
// decision. Its distance from "none" is how far best lies from the threshold, as a share of the room
// on that side: (best - t) / (1 - t) above it, (t - best) / t below. A match also has its runner-up
// as a rival (best - second), and the smaller distance counts; a "none" has only its best candidate
// (escalating queries whose candidates are all unlikely but close to each other wasted calls on
// IMDB persons nothing matched: recorded Qwen2.5-32B, ER DistillER, 25% escalated, seeds 1-6, query
// accuracy D5 0.885 -> 0.889, D6 0.889 -> 0.892, D2-D4 unchanged). A query without candidates has
// margin 1 and best_pair -1.
std::vector<QueryConfidence> query_confidences(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                               float threshold);

// Up to `count` queries with candidates and no mark in `answered` (one per left row), the least
// certain first (smallest margin, ties by row).
std::vector<std::uint32_t> least_certain(std::span<const QueryConfidence> confidences,
                                         std::span<const std::uint8_t> answered, std::size_t count);

// The margin from which the student's decisions are right at least `target` of the time, judged on
// labelled queries: `margins[i]` the student's margin on labelled query i, `correct[i]` whether its
// decision agreed with the teacher there. The smallest margin m such that the queries at or above m
// are right at least `target` of the time, with at least a few of them; +infinity when no margin
// reaches it (escalate everything), 0 when all do.
float margin_for_precision(std::span<const float> margins, std::span<const std::uint8_t> correct, double target);

// Platt scaling of student probabilities against held-out labels: p' = 1 / (1 + exp(-(a * logit(p) + b))).
// The student is trained with positives up-weighted, so its raw probabilities overstate matches.
struct PlattScaling {
  double a = 1.0;
  double b = 0.0;
  float apply(float probability) const;
  // Fits a, b by Newton's method on the log-loss (with Platt's smoothed targets). Identity when the
  // labels hold one class only.
  static PlattScaling fit(std::span<const float> probabilities, std::span<const float> labels);
};

// Who decides a query the teacher answered: the teacher when it names a candidate; a teacher "none"
// does not overrule a student that names a match (then the student's decision stands). Measured with
// recorded Qwen2.5-32B answers on ER DistillER D2-D6 (25% escalated, seed 1): where the teacher said
// "none" and the student named a match, the student was right 46 times and the teacher 9 (D2 28:0,
// D3 16:7, D6 2:2); where the teacher named a match the student did not, or another one, the teacher
// was right far more often (D3 78:19). A recorded "none" also covers candidates the recording never
// saw. Returns true when the teacher's decision is taken.
bool teacher_decides(std::int64_t teacher_chosen_pair, const QueryConfidence& student);

// The student's strongest claims on each right record, for one-to-one tasks: a record can match one
// query only, so a teacher's choice of a record that the student gives, more surely, to another query
// takes it from that query. Measured with recorded Qwen2.5-32B answers on ER DistillER D2-D6 (25% of
// queries escalated, seeds 1-3): letting the teacher's choice win there cost right decisions on both
// queries (the teacher's pick was usually the wrong one); yielding instead moved query accuracy D2
// 0.957 -> 0.966, D3 0.610 -> 0.624, D4-D6 within 0.001.
class RecordClaims {
 public:
  // REQUIRES: `pairs` and `student_scores` outlive this object.
  RecordClaims(const candidates::CandidatePairs& pairs, std::span<const float> student_scores);
  // The best student score of a pair of `right` from a query other than `query` (0 if none).
  float strongest_other(std::uint32_t right, std::uint32_t query) const;
  // True when the teacher's chosen pair should yield: another query's pair on the same record scores
  // at least `threshold` (the student calls it a match) and above the chosen pair itself.
  bool claimed_elsewhere(std::int64_t chosen_pair, float threshold) const;

 private:
  const candidates::CandidatePairs& pairs_;
  std::span<const float> student_scores_;
  std::vector<float> best_, second_;        // per right record
  std::vector<std::uint32_t> best_query_;   // the query of best_
};

// Applies a teacher decision to the scores of one query: the chosen pair goes to 1, the query's other
// pairs keep their order far below any threshold (x kDemoted), so rankings (EA, EL) stay usable.
inline constexpr float kDemoted = 0.01f;
void apply_teacher_decision(const candidates::CandidatePairs& pairs, std::uint32_t query, std::int64_t chosen_pair,
                            std::span<float> scores);

}  // namespace matchmaker::route
