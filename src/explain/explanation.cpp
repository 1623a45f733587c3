#include "explain/explanation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace matchmaker::explain {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

float PairExplanation::probability() const { return 1.0f / (1.0f + std::exp(-log_odds)); }

std::vector<PairExplanation> explain_pairs(const student::XGBoostStudent& student, const features::FeatureMatrix& features,
                                           std::span<const std::uint64_t> rows) {
  std::vector<PairExplanation> explanations(rows.size());
  if (rows.empty()) return explanations;
  const features::FeatureMatrix subset = features.rows_of(rows);
  const std::vector<float> values = student.contributions(subset);
  const std::size_t width = features.num_features() + 1;  // + bias
  for (std::size_t idx = 0; idx < rows.size(); ++idx) {
    PairExplanation& explanation = explanations[idx];
    const float* row_values = values.data() + idx * width;
    explanation.bias = row_values[width - 1];
    explanation.log_odds = explanation.bias;
    for (std::size_t feature = 0; feature + 1 < width; ++feature) {
      explanation.contributions.push_back({features.names[feature], subset.at(idx, feature), row_values[feature]});
      explanation.log_odds += row_values[feature];
    }
    std::stable_sort(explanation.contributions.begin(), explanation.contributions.end(),
                     [](const FeatureContribution& a, const FeatureContribution& b) {
                       return std::abs(a.contribution) > std::abs(b.contribution);
                     });
  }
  return explanations;
}

std::string describe_feature(const std::string& name, float value) {
  if (std::isnan(value)) return name + ": missing";
  if (ends_with(name, "relative difference")) return fmt::format("{} {:.0f}%", name, 100.0 * value);
  if (starts_with(name, "rank ")) return fmt::format("{} {:.0f}", name, value);
  if (name == "mutual best candidate" || name == "model codes shared") return name + (value > 0.5f ? ": yes" : ": no");
  return fmt::format("{} {:.2f}", name, value);
}

std::string short_form(const PairExplanation& explanation, std::size_t count) {
  std::string text;
  for (std::size_t idx = 0; idx < std::min(count, explanation.contributions.size()); ++idx) {
    const FeatureContribution& item = explanation.contributions[idx];
    if (!text.empty()) text += "; ";
    text += fmt::format("{} ({:+.1f})", describe_feature(item.feature, item.value), item.contribution);
  }
  return text;
}

nlohmann::json to_json(const PairExplanation& explanation) {
  nlohmann::json contributions = nlohmann::json::array();
  for (const FeatureContribution& item : explanation.contributions) {
    contributions.push_back({{"feature", item.feature},
                             {"value", std::isnan(item.value) ? nlohmann::json(nullptr) : nlohmann::json(item.value)},
                             {"text", describe_feature(item.feature, item.value)},
                             {"contribution", item.contribution}});
  }
  return {{"bias", explanation.bias},
          {"log_odds", explanation.log_odds},
          {"probability", explanation.probability()},
          {"contributions", contributions}};
}

PairExplanation from_json(const nlohmann::json& json) {
  PairExplanation explanation;
  explanation.bias = json.at("bias").get<float>();
  explanation.log_odds = json.at("log_odds").get<float>();
  for (const auto& item : json.at("contributions")) {
    const float value = item.at("value").is_null() ? features::kMissing : item.at("value").get<float>();
    explanation.contributions.push_back({item.at("feature").get<std::string>(), value, item.at("contribution").get<float>()});
  }
  return explanation;
}

}  // namespace matchmaker::explain
