// Where to cut match probabilities into decisions, without labels.
#pragma once

#include <span>

namespace matchmaker::resolve {

// Otsu's threshold on the log-odds of `probabilities`: the cut that best separates them into two
// groups (maximum between-group variance), returned as a probability. Returns `fallback` when there
// are fewer than two distinct values.
//
// Why: the student's probabilities are calibrated on the teacher's sample. When that sample holds the
// easiest queries (Blocking-Max), the probabilities of harder true matches come out low in absolute
// terms while still ranking well above the non-matches. The scores of the pairs a resolve step would
// accept form two groups — matches and the best non-matches of queries without one — and the valley
// between them is a better cut than a fixed 0.5.
float otsu_threshold(std::span<const float> probabilities, float fallback);

}  // namespace matchmaker::resolve
