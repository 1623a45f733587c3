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
  // XGBoost's contribution prediction holds about 20 KB of working memory per row (measured: +105 MB
  // for 5,000 rows of 40 features); chunks keep that bounded whatever the number of decisions.
  constexpr std::size_t kRowsPerChunk = 1024;
  std::vector<PairExplanation> explanations(rows.size());
  const std::size_t width = features.num_features() + 1;  // + bias
  for (std::size_t begin = 0; begin < rows.size(); begin += kRowsPerChunk) {
    const auto chunk = rows.subspan(begin, std::min(kRowsPerChunk, rows.size() - begin));
    const features::FeatureMatrix subset = features.rows_of(chunk);
    const std::vector<float> values = student.contributions(subset);
    for (std::size_t idx = 0; idx < chunk.size(); ++idx) {
      PairExplanation& explanation = explanations[begin + idx];
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

nlohmann::json to_json(const PairExplanation& explanation, std::size_t max_items) {
  nlohmann::json contributions = nlohmann::json::array();
  float rest = 0.0f;
  std::size_t rest_count = 0;
  for (std::size_t idx = 0; idx < explanation.contributions.size(); ++idx) {
    const FeatureContribution& item = explanation.contributions[idx];
    if (idx >= max_items) {
      rest += item.contribution;
      ++rest_count;
      continue;
    }
    contributions.push_back({{"feature", item.feature},
                             {"value", std::isnan(item.value) ? nlohmann::json(nullptr) : nlohmann::json(item.value)},
                             {"text", describe_feature(item.feature, item.value)},
                             {"contribution", item.contribution}});
  }
  nlohmann::json json = {{"bias", explanation.bias},
                         {"log_odds", explanation.log_odds},
                         {"probability", explanation.probability()},
                         {"contributions", contributions}};
  if (rest_count > 0) json["other_features"] = {{"count", rest_count}, {"contribution", rest}};
  return json;
}

PairExplanation from_json(const nlohmann::json& json) {
  PairExplanation explanation;
  explanation.bias = json.at("bias").get<float>();
  explanation.log_odds = json.at("log_odds").get<float>();
  for (const auto& item : json.at("contributions")) {
    const float value = item.at("value").is_null() ? features::kMissing : item.at("value").get<float>();
    explanation.contributions.push_back({item.at("feature").get<std::string>(), value, item.at("contribution").get<float>()});
  }
  if (json.contains("other_features")) {
    explanation.other_count = json["other_features"].at("count").get<std::size_t>();
    explanation.other_contribution = json["other_features"].at("contribution").get<float>();
  }
  return explanation;
}

}  // namespace matchmaker::explain
