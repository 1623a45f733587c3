#include "teacher/gaussian_mixture.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace matchmaker::teacher {

double TwoGaussianMixture::log_density(int component, const float* sample) const {
  double log_density = 0;
  for (std::size_t dim = 0; dim < num_dims_; ++dim) {
    const double deviation = sample[dim] - mean_[component][dim];
    const double variance = variance_[component][dim];
    log_density -= 0.5 * (std::log(2 * std::numbers::pi * variance) + deviation * deviation / variance);
  }
  return log_density;
}

double TwoGaussianMixture::match_probability(const float* sample) const {
  const double log_match = std::log(match_weight_) + log_density(1, sample);
  const double log_non_match = std::log(1 - match_weight_) + log_density(0, sample);
  return 1.0 / (1.0 + std::exp(log_non_match - log_match));
}

void TwoGaussianMixture::fit(std::span<const float> samples, std::size_t num_dims, std::span<const Seed> seeds,
                             const Options& options) {
  num_dims_ = num_dims;
  const std::size_t num_samples = samples.size() / num_dims;
  std::vector<double> responsibility(num_samples);
  std::size_t num_free = 0;
  for (std::size_t sample = 0; sample < num_samples; ++sample) {
    responsibility[sample] = seeds[sample] == Seed::kMatch ? 1.0 : 0.0;
    num_free += seeds[sample] != Seed::kKnownNonMatch;
  }

  double previous_log_likelihood = -INFINITY;
  for (iterations_ = 0; iterations_ < options.max_iterations; ++iterations_) {
    // M step: weighted means and variances per component.
    double match_total = 0;
    for (double value : responsibility) match_total += value;
    const double non_match_total = static_cast<double>(num_samples) - match_total;
    // The prior is the match share among the samples whose label is open.
    match_weight_ = std::clamp(match_total / static_cast<double>(std::max<std::size_t>(num_free, 1)), 1e-6, 1 - 1e-6);
    for (int component = 0; component < 2; ++component) {
      const double total = component == 1 ? match_total : non_match_total;
      mean_[component].assign(num_dims, 0.0);
      variance_[component].assign(num_dims, 0.0);
      for (std::size_t sample = 0; sample < num_samples; ++sample) {
        const double weight = component == 1 ? responsibility[sample] : 1 - responsibility[sample];
        for (std::size_t dim = 0; dim < num_dims; ++dim) mean_[component][dim] += weight * samples[sample * num_dims + dim];
      }
      for (auto& mean : mean_[component]) mean /= std::max(total, 1e-12);
      for (std::size_t sample = 0; sample < num_samples; ++sample) {
        const double weight = component == 1 ? responsibility[sample] : 1 - responsibility[sample];
        for (std::size_t dim = 0; dim < num_dims; ++dim) {
          const double deviation = samples[sample * num_dims + dim] - mean_[component][dim];
          variance_[component][dim] += weight * deviation * deviation;
        }
      }
      for (auto& variance : variance_[component]) {
        variance = std::max(variance / std::max(total, 1e-12), options.variance_floor);
      }
    }
    // E step: responsibilities and the log-likelihood.
    double log_likelihood = 0;
    for (std::size_t sample = 0; sample < num_samples; ++sample) {
      const float* values = samples.data() + sample * num_dims;
      const double log_match = std::log(match_weight_) + log_density(1, values);
      const double log_non_match = std::log(1 - match_weight_) + log_density(0, values);
      const double log_max = std::max(log_match, log_non_match);
      const double log_sum = log_max + std::log(std::exp(log_match - log_max) + std::exp(log_non_match - log_max));
      if (seeds[sample] != Seed::kKnownNonMatch) responsibility[sample] = std::exp(log_match - log_sum);
      log_likelihood += log_sum;
    }
    log_likelihood /= static_cast<double>(num_samples);
    if (log_likelihood - previous_log_likelihood < options.tolerance) break;
    previous_log_likelihood = log_likelihood;
  }
}

}  // namespace matchmaker::teacher
