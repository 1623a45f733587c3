// Why the student scored a pair as it did, in words a non-specialist can read: each feature's
// contribution to the match log-odds (tree SHAP values from the student), with the feature's value
// described ("name jaro-winkler 0.93", "price relative difference 40%", "mutual best candidate: yes").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "features/feature_matrix.h"
#include "student/xgboost_student.h"

namespace matchmaker::explain {

struct FeatureContribution {
  std::string feature;
  float value = 0.0f;         // NaN = missing
  float contribution = 0.0f;  // to the log-odds of a match
};

struct PairExplanation {
  std::vector<FeatureContribution> contributions;  // every feature, strongest (by |contribution|) first
  // Read back from JSON, the features beyond the stored ones: how many, and their summed contribution.
  std::size_t other_count = 0;
  float other_contribution = 0.0f;
  float bias = 0.0f;                               // the model's log-odds before any feature
  float log_odds = 0.0f;                           // bias + every contribution
  float probability() const;
};

// One explanation per row of `features` named in `rows`. Deterministic.
std::vector<PairExplanation> explain_pairs(const student::XGBoostStudent& student, const features::FeatureMatrix& features,
                                           std::span<const std::uint64_t> rows);

// A feature and its value in words: "name jaro-winkler 0.93", "price relative difference 40%",
// "mutual best candidate: yes", "rank among left's candidates 2", "title word cosine: missing".
std::string describe_feature(const std::string& name, float value);

// The strongest `count` contributions in one line: "name jaro-winkler 1.00 (+2.1); price relative difference 40% (-0.8)".
std::string short_form(const PairExplanation& explanation, std::size_t count = 3);

// {"bias", "log_odds", "probability", "contributions": [{"feature", "value" (null if missing), "text",
// "contribution"}], "other_features": {"count", "contribution"}}: the strongest `max_items` one by one,
// the rest summed, so that bias + contributions + other_features is still the log-odds. A run keeps
// one per decision: all 40-odd features each cost about 15 KB of JSON per decision.
nlohmann::json to_json(const PairExplanation& explanation, std::size_t max_items = 8);
PairExplanation from_json(const nlohmann::json& json);

}  // namespace matchmaker::explain
