// Dense row-major float matrix of pair features; NaN marks a missing value (XGBoost's default).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace matchmaker::features {

inline constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

struct FeatureMatrix {
  std::vector<std::string> names;  // one per column, in words: they appear in explanations
  // Per column: +1 if a larger value can only make a match likelier, -1 if only less likely, 0 if
  // either. The student enforces these, which keeps noisy teacher labels from teaching nonsense
  // such as "more similar titles mean less likely the same".
  std::vector<int> monotone;
  std::vector<float> values;       // size num_rows * names.size()
  std::size_t num_rows = 0;

  std::size_t num_features() const { return names.size(); }
  const float* row(std::size_t row_idx) const { return values.data() + row_idx * names.size(); }
  float at(std::size_t row_idx, std::size_t feature_idx) const { return values[row_idx * names.size() + feature_idx]; }
  void add_feature(std::string name, int direction) {
    names.push_back(std::move(name));
    monotone.push_back(direction);
  }
  // A matrix of the same columns holding the given rows, in that order.
  FeatureMatrix rows_of(std::span<const std::uint64_t> row_indices) const {
    FeatureMatrix subset;
    subset.names = names;
    subset.monotone = monotone;
    subset.num_rows = row_indices.size();
    subset.values.reserve(row_indices.size() * names.size());
    for (std::uint64_t row_idx : row_indices) subset.values.insert(subset.values.end(), row(row_idx), row(row_idx) + names.size());
    return subset;
  }
  int find(const std::string& name) const {
    for (std::size_t idx = 0; idx < names.size(); ++idx) {
      if (names[idx] == name) return static_cast<int>(idx);
    }
    return -1;
  }
};

}  // namespace matchmaker::features
