#include "resolve/threshold.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace matchmaker::resolve {
namespace {

constexpr double kProbabilityFloor = 1e-6;

double log_odds(double probability) {
  const double clamped = std::clamp(probability, kProbabilityFloor, 1.0 - kProbabilityFloor);
  return std::log(clamped / (1.0 - clamped));
}

}  // namespace

float otsu_threshold(std::span<const float> probabilities, float fallback) {
  std::vector<double> values;
  values.reserve(probabilities.size());
  for (float probability : probabilities) values.push_back(log_odds(probability));
  std::sort(values.begin(), values.end());
  if (values.size() < 2 || values.front() == values.back()) return fallback;

  std::vector<double> prefix_sum(values.size() + 1, 0.0);
  for (std::size_t idx = 0; idx < values.size(); ++idx) prefix_sum[idx + 1] = prefix_sum[idx] + values[idx];
  const double count = static_cast<double>(values.size());
  double best_variance = -1.0;
  double best_cut = 0.0;
  for (std::size_t split = 1; split < values.size(); ++split) {
    if (values[split] == values[split - 1]) continue;  // a cut must fall between distinct values
    const double low_count = static_cast<double>(split);
    const double high_count = count - low_count;
    const double low_mean = prefix_sum[split] / low_count;
    const double high_mean = (prefix_sum.back() - prefix_sum[split]) / high_count;
    const double between_variance = (low_count / count) * (high_count / count) * (low_mean - high_mean) * (low_mean - high_mean);
    if (between_variance > best_variance) {
      best_variance = between_variance;
      best_cut = 0.5 * (values[split - 1] + values[split]);
    }
  }
  return static_cast<float>(1.0 / (1.0 + std::exp(-best_cut)));
}

}  // namespace matchmaker::resolve
