// Two-component Gaussian mixture with diagonal covariances, fitted by EM: the label-free model
// behind the `unsupervised` teacher (in the spirit of ZeroER, Wu et al., SIGMOD 2020).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace matchmaker::teacher {

class TwoGaussianMixture {
 public:
  struct Options {
    int max_iterations = 200;
    double tolerance = 1e-7;        // stop when the mean log-likelihood improves less than this
    double variance_floor = 1e-4;   // keeps a component from collapsing onto one point
  };

  // Per sample, where EM starts it and whether it may move.
  enum class Seed : std::uint8_t {
    kNonMatch,        // starts in the non-match component
    kMatch,           // starts in the match component
    kKnownNonMatch,   // stays a non-match: anchors that component; not counted in the match prior
  };

  // `samples`: row-major, num_samples x num_dims, no NaN. REQUIRES: at least one kMatch seed and one
  // non-match seed of either kind.
  void fit(std::span<const float> samples, std::size_t num_dims, std::span<const Seed> seeds, const Options& options);
  void fit(std::span<const float> samples, std::size_t num_dims, std::span<const Seed> seeds) {
    fit(samples, num_dims, seeds, Options{});
  }

  // Posterior probability that `sample` (num_dims values) comes from the match component.
  double match_probability(const float* sample) const;

  double match_prior() const { return match_weight_; }
  const std::vector<double>& match_mean() const { return mean_[1]; }
  const std::vector<double>& non_match_mean() const { return mean_[0]; }
  int iterations() const { return iterations_; }

 private:
  double log_density(int component, const float* sample) const;

  std::size_t num_dims_ = 0;
  double match_weight_ = 0.5;
  std::vector<double> mean_[2];
  std::vector<double> variance_[2];
  int iterations_ = 0;
};

}  // namespace matchmaker::teacher
