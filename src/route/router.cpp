#include "route/router.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "matchmaker/error.h"

namespace matchmaker::route {

std::string route_name(Route route) {
  switch (route) {
    case Route::kNoCandidates: return "no-candidates";
    case Route::kStudent: return "student";
    case Route::kCandidateScore: return "candidate-score";
    case Route::kSample: return "teacher-sample";
    case Route::kTeacher: return "teacher";
    case Route::kTeacherFailed: return "student-teacher-failed";
    case Route::kStudentKept: return "student-over-teacher-none";
    case Route::kStudentKeptOverClaim: return "student-over-teacher-claim";
  }
  return "unknown";
}

bool parse_candidate_order(const std::string& name) {
  if (name == "student") return false;
  if (name == "shuffled") return true;
  throw InputError("candidate order must be 'student' (best first) or 'shuffled', not '" + name + "'");
}

std::vector<QueryConfidence> query_confidences(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                               float threshold) {
  std::vector<QueryConfidence> confidences(pairs.num_left);
  const float above_room = std::max(1.0f - threshold, 1e-6f), below_room = std::max(threshold, 1e-6f);
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    QueryConfidence& confidence = confidences[query];
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
      const float score = scores[pair];
      if (confidence.best_pair < 0 || score > confidence.best) {
        confidence.second = confidence.best_pair < 0 ? 0.0f : confidence.best;
        confidence.best = score;
        confidence.best_pair = static_cast<std::int64_t>(pair);
      } else if (score > confidence.second) {
        confidence.second = score;
      }
    }
    if (confidence.best_pair < 0) continue;
    confidence.none_wins = confidence.best < threshold;
    const float from_none = confidence.none_wins ? (threshold - confidence.best) / below_room
                                                 : (confidence.best - threshold) / above_room;
    // When "none" wins, the runner-up is no rival: two unlikely candidates close to each other leave
    // the decision as sure as the best one's distance below the threshold.
    const float margin = confidence.none_wins ? from_none : std::min(confidence.best - confidence.second, from_none);
    confidence.margin = std::clamp(margin, 0.0f, 1.0f);
  }
  return confidences;
}

std::vector<std::uint32_t> least_certain(std::span<const QueryConfidence> confidences,
                                         std::span<const std::uint8_t> answered, std::size_t count) {
  std::vector<std::uint32_t> open;
  for (std::uint32_t query = 0; query < confidences.size(); ++query) {
    if (confidences[query].best_pair >= 0 && !answered[query]) open.push_back(query);
  }
  const std::size_t keep = std::min(count, open.size());
  std::partial_sort(open.begin(), open.begin() + static_cast<std::ptrdiff_t>(keep), open.end(),
                    [&](std::uint32_t a, std::uint32_t b) {
                      if (confidences[a].margin != confidences[b].margin) return confidences[a].margin < confidences[b].margin;
                      return a < b;
                    });
  open.resize(keep);
  return open;
}

float margin_for_precision(std::span<const float> margins, std::span<const std::uint8_t> correct, double target) {
  // A precision measured on a handful of queries says little; below this many the cut goes lower.
  constexpr std::size_t kMinimumSupport = 10;
  std::vector<std::size_t> order(margins.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return margins[a] > margins[b]; });
  // Walk from the most certain down; the cut is the lowest margin at which the queries kept so far
  // are still right often enough.
  float cut = std::numeric_limits<float>::infinity();
  std::size_t kept = 0, right = 0;
  for (std::size_t idx = 0; idx < order.size(); ++idx) {
    ++kept;
    right += correct[order[idx]] != 0;
    const bool tie_follows = idx + 1 < order.size() && margins[order[idx + 1]] == margins[order[idx]];
    if (tie_follows) continue;
    if (kept >= kMinimumSupport && static_cast<double>(right) >= target * static_cast<double>(kept)) {
      cut = margins[order[idx]];
    }
  }
  if (!order.empty() && cut == margins[order.back()]) return 0.0f;
  return cut;
}

float PlattScaling::apply(float probability) const {
  const double clamped = std::clamp(static_cast<double>(probability), 1e-6, 1.0 - 1e-6);
  const double logit = std::log(clamped / (1.0 - clamped));
  return static_cast<float>(1.0 / (1.0 + std::exp(-(a * logit + b))));
}

PlattScaling PlattScaling::fit(std::span<const float> probabilities, std::span<const float> labels) {
  PlattScaling scaling;
  double positives = 0, negatives = 0;
  for (float label : labels) (label > 0.5f ? positives : negatives) += 1;
  if (positives == 0 || negatives == 0) return scaling;
  // Platt's targets keep the fit finite when the classes are separable.
  const double high = (positives + 1) / (positives + 2), low = 1 / (negatives + 2);
  std::vector<double> logits(probabilities.size());
  for (std::size_t idx = 0; idx < probabilities.size(); ++idx) {
    const double p = std::clamp(static_cast<double>(probabilities[idx]), 1e-6, 1.0 - 1e-6);
    logits[idx] = std::log(p / (1.0 - p));
  }
  const auto loss = [&](double a, double b) {
    double total = 0;
    for (std::size_t idx = 0; idx < logits.size(); ++idx) {
      const double target = labels[idx] > 0.5f ? high : low;
      const double z = a * logits[idx] + b;
      // log(1 + e^z) - target * z, computed without overflow.
      total += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - target * z;
    }
    return total;
  };
  // Newton's method with backtracking (Lin, Lin and Weng's fix of Platt's algorithm): a full step can
  // overshoot badly when the classes are nearly separable.
  double current = loss(scaling.a, scaling.b);
  for (int iteration = 0; iteration < 100; ++iteration) {
    double g_a = 0, g_b = 0, h_aa = 1e-12, h_ab = 0, h_bb = 1e-12;
    for (std::size_t idx = 0; idx < logits.size(); ++idx) {
      const double target = labels[idx] > 0.5f ? high : low;
      const double p = 1.0 / (1.0 + std::exp(-(scaling.a * logits[idx] + scaling.b)));
      const double w = p * (1 - p);
      g_a += (p - target) * logits[idx];
      g_b += p - target;
      h_aa += w * logits[idx] * logits[idx];
      h_ab += w * logits[idx];
      h_bb += w;
    }
    if (std::abs(g_a) + std::abs(g_b) < 1e-7) break;
    const double det = h_aa * h_bb - h_ab * h_ab;
    if (!(std::abs(det) > 1e-18)) break;
    const double step_a = (h_bb * g_a - h_ab * g_b) / det, step_b = (h_aa * g_b - h_ab * g_a) / det;
    double length = 1.0;
    bool improved = false;
    while (length > 1e-8) {
      const double next = loss(scaling.a - length * step_a, scaling.b - length * step_b);
      if (next < current) {
        scaling.a -= length * step_a;
        scaling.b -= length * step_b;
        current = next;
        improved = true;
        break;
      }
      length /= 2;
    }
    if (!improved) break;
  }
  return scaling;
}

bool teacher_decides(std::int64_t teacher_chosen_pair, const QueryConfidence& student) {
  return teacher_chosen_pair >= 0 || student.none_wins;
}

RecordClaims::RecordClaims(const candidates::CandidatePairs& pairs, std::span<const float> student_scores)
    : pairs_(pairs), student_scores_(student_scores), best_(pairs.num_right, 0.0f), second_(pairs.num_right, 0.0f),
      best_query_(pairs.num_right, 0) {
  // A query holds at most one pair per record, so best and second come from different queries.
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    const std::uint32_t right = pairs.right[pair];
    const float score = student_scores[pair];
    if (score > best_[right]) {
      second_[right] = best_[right];
      best_[right] = score;
      best_query_[right] = pairs.left[pair];
    } else if (score > second_[right]) {
      second_[right] = score;
    }
  }
}

float RecordClaims::strongest_other(std::uint32_t right, std::uint32_t query) const {
  return best_query_[right] == query ? second_[right] : best_[right];
}

bool RecordClaims::claimed_elsewhere(std::int64_t chosen_pair, float threshold) const {
  if (chosen_pair < 0) return false;
  const auto pair = static_cast<std::size_t>(chosen_pair);
  const float other = strongest_other(pairs_.right[pair], pairs_.left[pair]);
  return other >= threshold && other > student_scores_[pair];
}

void apply_teacher_decision(const candidates::CandidatePairs& pairs, std::uint32_t query, std::int64_t chosen_pair,
                            std::span<float> scores) {
  for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
    scores[pair] = static_cast<std::int64_t>(pair) == chosen_pair ? 1.0f : scores[pair] * kDemoted;
  }
}

}  // namespace matchmaker::route
