#include "teacher/gaussian_mixture.h"

#include <gtest/gtest.h>

#include <random>

namespace matchmaker::teacher {
namespace {

using Seed = TwoGaussianMixture::Seed;

// 2-d samples: 300 non-matches around (0.2, 0.1), 100 matches around (0.8, 0.6).
struct Samples {
  std::vector<float> values;
  std::vector<bool> is_match;
};

Samples two_clusters(std::uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> noise(0.0f, 0.07f);
  Samples samples;
  for (int idx = 0; idx < 400; ++idx) {
    const bool match = idx % 4 == 0;
    samples.values.push_back((match ? 0.8f : 0.2f) + noise(random));
    samples.values.push_back((match ? 0.6f : 0.1f) + noise(random));
    samples.is_match.push_back(match);
  }
  return samples;
}

TEST(GaussianMixtureTest, RecoversTwoClustersFromRoughSeeds) {
  const Samples samples = two_clusters(3);
  // Rough seeds: only the first coordinate above 0.7 starts as a match (misses some, no false ones).
  std::vector<Seed> seeds;
  for (std::size_t idx = 0; idx < samples.is_match.size(); ++idx) {
    seeds.push_back(samples.values[2 * idx] > 0.85f ? Seed::kMatch : Seed::kNonMatch);
  }
  TwoGaussianMixture mixture;
  mixture.fit(samples.values, 2, seeds);
  std::size_t correct = 0;
  for (std::size_t idx = 0; idx < samples.is_match.size(); ++idx) {
    correct += (mixture.match_probability(&samples.values[2 * idx]) >= 0.5) == samples.is_match[idx];
  }
  EXPECT_GE(correct, 396u);
  EXPECT_NEAR(mixture.match_prior(), 0.25, 0.02);
  EXPECT_NEAR(mixture.match_mean()[0], 0.8, 0.03);
  EXPECT_NEAR(mixture.non_match_mean()[1], 0.1, 0.03);
}

TEST(GaussianMixtureTest, KnownNonMatchesStayNonMatchesAndAreLeftOutOfThePrior) {
  const Samples samples = two_clusters(5);
  std::vector<Seed> seeds;
  for (std::size_t idx = 0; idx < samples.is_match.size(); ++idx) {
    // Every non-match is known; only one match in ten starts as a match, the rest must be found.
    seeds.push_back(samples.is_match[idx] ? (idx % 40 == 0 ? Seed::kMatch : Seed::kNonMatch) : Seed::kKnownNonMatch);
  }
  TwoGaussianMixture mixture;
  mixture.fit(samples.values, 2, seeds);
  // Among the open samples (the 100 matches) the prior goes to nearly 1.
  EXPECT_GT(mixture.match_prior(), 0.95);
  const float match_like[] = {0.8f, 0.6f};
  const float non_match_like[] = {0.2f, 0.1f};
  EXPECT_GT(mixture.match_probability(match_like), 0.99);
  EXPECT_LT(mixture.match_probability(non_match_like), 0.01);
}

}  // namespace
}  // namespace matchmaker::teacher
