#include "report/sweep_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "matchmaker/error.h"
#include "report/html_page.h"

namespace matchmaker::report {
namespace {

using nlohmann::json;

constexpr const char* kColours[] = {"#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d"};

struct Share {
  std::string key;  // as the benchmark wrote it: "0", "0.05", ...
  double value = 0.0;
};

// The shares of a data set's row, in increasing order; InputError unless every cell has the scores.
std::vector<Share> shares_of(const json& row, const std::string& dataset, const std::string& source) {
  if (!row.is_object() || row.empty()) throw InputError(source + ": sweep." + dataset + " is not an object of shares");
  std::vector<Share> shares;
  for (const auto& [key, cell] : row.items()) {
    char* end = nullptr;
    const double value = std::strtod(key.c_str(), &end);
    if (end == key.c_str() || *end != '\0' || !(value >= 0 && value <= 1)) {
      throw InputError(source + ": sweep." + dataset + ": '" + key + "' is not a share between 0 and 1");
    }
    for (const char* score : {"f1", "query_accuracy"}) {
      if (!cell.is_object() || !cell.contains(score) || !cell[score].is_number()) {
        throw InputError(source + ": sweep." + dataset + "." + key + " has no number '" + score + "'");
      }
    }
    shares.push_back({key, value});
  }
  std::sort(shares.begin(), shares.end(), [](const Share& a, const Share& b) { return a.value < b.value; });
  return shares;
}

json line_chart(const json& labels, const json& datasets, const std::string& y_title) {
  return {{"type", "line"},
          {"data", {{"labels", labels}, {"datasets", datasets}}},
          {"options", {{"scales", {{"x", {{"title", {{"display", true}, {"text", "share of queries escalated to the teacher"}}}}},
                                   {"y", {{"title", {{"display", true}, {"text", y_title}}}}}}}}}};
}

}  // namespace

std::string sweep_report_html(const json& bench, const std::string& source) {
  if (!bench.is_object() || !bench.contains("sweep") || !bench["sweep"].is_object() || bench["sweep"].empty()) {
    throw InputError(source + ": no \"sweep\" object (write one with bench/er_distiller --sweep ... --json FILE)");
  }
  const json& sweep = bench["sweep"];
  const std::string first = sweep.begin().key();
  const std::vector<Share> shares = shares_of(sweep.begin().value(), first, source);
  for (const auto& [dataset, row] : sweep.items()) {
    const auto other = shares_of(row, dataset, source);
    if (other.size() != shares.size() ||
        !std::equal(other.begin(), other.end(), shares.begin(), [](const Share& a, const Share& b) { return a.key == b.key; })) {
      throw InputError(source + ": sweep." + dataset + " has other shares than sweep." + first);
    }
  }

  HtmlPage page("matchmaker routing curve");
  const bool named_teacher = bench.contains("teacher") && bench["teacher"].is_string();
  std::string setup = "From " + source + ": teacher " + (named_teacher ? bench["teacher"].get<std::string>() : "?");
  if (bench.contains("options") && bench["options"].is_array() && !bench["options"].empty()) {
    std::string options;
    for (const json& option : bench["options"]) options += " " + (option.is_string() ? option.get<std::string>() : option.dump());
    setup += "; options" + options;
  }
  if (bench.contains("seeds")) setup += "; mean of seeds " + bench["seeds"].dump();
  page.paragraph(setup + ".");
  page.paragraph("Each point is one run per seed in which the student is trained on the teacher's sample, then the "
                 "given share of the least certain queries goes to the teacher, one call each.");

  json labels = json::array();
  for (const Share& share : shares) labels.push_back(fmt::format("{:g}%", share.value * 100));
  for (const auto& [score, title] : {std::pair<const char*, const char*>{"query_accuracy", "query accuracy"}, {"f1", "pair F1"}}) {
    json datasets = json::array();
    std::size_t colour = 0;
    for (const auto& [dataset, row] : sweep.items()) {
      json values = json::array();
      for (const Share& share : shares) values.push_back(row[share.key][score]);
      datasets.push_back({{"label", dataset}, {"data", values}, {"borderColor", kColours[colour % std::size(kColours)]},
                          {"backgroundColor", kColours[colour % std::size(kColours)]}});
      ++colour;
    }
    json mean = json::array();
    for (const Share& share : shares) {
      double sum = 0;
      for (const auto& [dataset, row] : sweep.items()) sum += row[share.key][score].get<double>();
      mean.push_back(std::round(sum / static_cast<double>(sweep.size()) * 1e4) / 1e4);  // 4 decimals are plenty to plot
    }
    datasets.push_back({{"label", "mean"}, {"data", mean}, {"borderColor", "#000000"}, {"borderDash", {6, 4}}});
    page.heading(std::string(title) + " against the share escalated");
    page.chart(line_chart(labels, datasets, title));
  }

  page.heading("The numbers");
  std::vector<std::string> header = {"data set"};
  for (const Share& share : shares) header.push_back(fmt::format("{:g}%: F1 / query acc. (calls)", share.value * 100));
  std::vector<std::vector<std::string>> rows;
  for (const auto& [dataset, row] : sweep.items()) {
    std::vector<std::string> cells = {dataset};
    for (const Share& share : shares) {
      const json& cell = row[share.key];
      std::string text = fmt::format("{:.3f} / {:.3f}", cell["f1"].get<double>(), cell["query_accuracy"].get<double>());
      if (cell.contains("teacher_calls") && cell["teacher_calls"].is_number()) {
        text += fmt::format(" ({:.0f})", cell["teacher_calls"].get<double>());
      }
      cells.push_back(text);
    }
    rows.push_back(cells);
  }
  page.table(header, rows);
  return page.render();
}

}  // namespace matchmaker::report
