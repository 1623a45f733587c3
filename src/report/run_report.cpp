#include "report/run_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "pipeline/decision_explanations.h"
#include "report/html_page.h"
#include "route/router.h"

namespace matchmaker::report {
namespace {

using nlohmann::json;
using Summary = workspace::Workspace::DecisionSummary;

constexpr int kHistogramBins = 20;

// The routes in the order the report lists them, with a colour each.
struct RouteStyle {
  route::Route route;
  const char* label;
  const char* colour;
};
constexpr RouteStyle kRouteStyles[] = {
    {route::Route::kStudent, "student alone", "#4c78a8"},
    {route::Route::kCandidateScore, "candidate score alone (no student)", "#54a24b"},
    {route::Route::kTeacher, "teacher (escalated)", "#f58518"},
    {route::Route::kSample, "teacher (training sample)", "#e45756"},
    {route::Route::kStudentKept, "student (over the teacher's none)", "#72b7b2"},
    {route::Route::kStudentKeptOverClaim, "student (the teacher's record was surer elsewhere)", "#b279a2"},
    {route::Route::kTeacherFailed, "student (teacher failed)", "#9d755d"},
    {route::Route::kNoCandidates, "no candidates", "#bab0ac"},
};

std::string route_label(const std::string& name) {
  for (const RouteStyle& style : kRouteStyles) {
    if (route::route_name(style.route) == name) return style.label;
  }
  return name;
}

// The value at a path of object keys, or nullptr when any step is missing.
const json* find(const json& root, std::initializer_list<const char*> path) {
  const json* node = &root;
  for (const char* key : path) {
    if (!node->is_object()) return nullptr;
    const auto found = node->find(key);
    if (found == node->end()) return nullptr;
    node = &*found;
  }
  return node;
}

// The run's wall time. Every job writes it as "seconds_total" (StageTimer::record_costs); align and
// link runs recorded by earlier builds wrote "seconds" (a number) and "wall_seconds".
const json* wall_seconds(const json& metrics) {
  if (const json* total = find(metrics, {"seconds_total"})) return total;
  if (const json* total = find(metrics, {"wall_seconds"})) return total;
  const json* seconds = find(metrics, {"seconds"});
  return seconds && seconds->is_number() ? seconds : nullptr;
}

std::string scalar_text(const json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) {
    const double number = value.get<double>();
    return std::abs(number) >= 1000 ? fmt::format("{:.1f}", number) : fmt::format("{:.4g}", number);
  }
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_null()) return "-";
  return value.dump();
}

// Nested objects as "a.b.c" = value rows; arrays of scalars joined, other arrays counted.
void flatten(const json& value, const std::string& prefix, std::vector<std::vector<std::string>>& rows) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) flatten(child, prefix.empty() ? key : prefix + "." + key, rows);
    return;
  }
  if (value.is_array()) {
    const bool scalars = std::all_of(value.begin(), value.end(), [](const json& item) { return !item.is_structured(); });
    std::string text;
    if (scalars && value.size() <= 20) {
      for (const json& item : value) text += (text.empty() ? "" : ", ") + scalar_text(item);
    } else {
      text = fmt::format("[{} items]", value.size());
    }
    rows.push_back({prefix, text});
    return;
  }
  rows.push_back({prefix, scalar_text(value)});
}

void add_flat_table(HtmlPage& page, const json& value, const std::string& what) {
  std::vector<std::vector<std::string>> rows;
  flatten(value, "", rows);
  page.table({what, "value"}, rows);
}

void add_overview(HtmlPage& page, const json& info, const std::string& workspace_path) {
  std::vector<std::vector<std::string>> rows = {
      {"workspace", workspace_path},
      {"status", info.value("status", "")},
      {"started", scalar_text(info["started"])},
      {"finished", scalar_text(info["finished"])},
      {"matchmaker version", info.value("tool_version", "")},
  };
  const json& metrics = info["metrics"];
  if (metrics.is_object()) {
    if (const json* task = find(metrics, {"task"})) rows.push_back({"task", scalar_text(*task)});
    if (const json* left = find(metrics, {"records", "left"})) rows.push_back({"records, left", scalar_text(*left)});
    if (const json* right = find(metrics, {"records", "right"})) rows.push_back({"records, right", scalar_text(*right)});
    if (const json* pairs = find(metrics, {"candidates", "pairs"})) rows.push_back({"candidate pairs", scalar_text(*pairs)});
    if (const json* per = find(metrics, {"candidates", "per_query"})) rows.push_back({"candidates per query", scalar_text(*per)});
    if (const json* matches = find(metrics, {"matches"})) rows.push_back({"matches written", scalar_text(*matches)});
    if (const json* total = wall_seconds(metrics)) rows.push_back({"wall time, s", scalar_text(*total)});
    if (const json* memory = find(metrics, {"peak_memory_mib"})) rows.push_back({"peak memory, MiB", scalar_text(*memory)});
  }
  page.table({"run", ""}, rows);
  if (info.value("status", "") == "failed") {
    page.notice("This run failed: " + scalar_text(info["error"]) + ". What it stored before failing is shown below.");
  } else if (info.value("status", "") == "running") {
    page.notice("This run has not finished (it is still running, or it was killed): it has no metrics yet, and "
                "only what it stored so far is shown below.");
  }
}

// How the queries flowed: from the left table to the matches, and who decided them.
void add_funnel(HtmlPage& page, const json& metrics, const std::vector<Summary>& summaries) {
  std::set<std::string_view> queries, matched;
  std::map<std::string, std::size_t> by_route;  // one route per query: its first row decides
  for (const Summary& summary : summaries) {
    if (queries.insert(summary.left_id).second) ++by_route[summary.route];
    if (summary.decision == "match") matched.insert(summary.left_id);
  }
  std::vector<std::pair<std::string, double>> steps;
  if (const json* left = find(metrics, {"records", "left"})) steps.emplace_back("records (left table)", left->get<double>());
  steps.emplace_back("queries with candidates", static_cast<double>(queries.size()));
  if (const json* asked = find(metrics, {"teacher", "report", "questions"})) {
    steps.emplace_back("asked for the training sample", asked->get<double>());
  }
  if (const json* escalated = find(metrics, {"routing", "escalated"})) {
    steps.emplace_back("escalated to the teacher", escalated->get<double>());
  }
  steps.emplace_back("queries with a match", static_cast<double>(matched.size()));

  page.heading("From records to matches");
  json labels = json::array(), values = json::array();
  for (const auto& [label, value] : steps) {
    labels.push_back(label);
    values.push_back(value);
  }
  page.chart({{"type", "bar"},
              {"data", {{"labels", labels}, {"datasets", {{{"label", "queries"}, {"data", values}, {"backgroundColor", "#4c78a8"}}}}}},
              {"options", {{"indexAxis", "y"}, {"plugins", {{"legend", {{"display", false}}}}}}}});

  std::vector<std::vector<std::string>> rows;
  for (const RouteStyle& style : kRouteStyles) {
    const auto found = by_route.find(route::route_name(style.route));
    if (found == by_route.end()) continue;
    rows.push_back({style.label, std::to_string(found->second),
                    fmt::format("{:.1f}%", 100.0 * static_cast<double>(found->second) / static_cast<double>(queries.size()))});
  }
  page.paragraph("Who decided each query:");
  page.table({"decided by", "queries", "share"}, rows);
}

// The student's calibrated probability of each query's decided candidate, stacked by who decided:
// the escalated queries should sit where the student was least sure.
void add_score_distribution(HtmlPage& page, const json& metrics, const std::vector<Summary>& summaries) {
  std::map<std::string, std::vector<double>> bins;
  std::set<std::string_view> seen;
  for (const Summary& summary : summaries) {
    if (!seen.insert(summary.left_id).second || std::isnan(summary.student_probability)) continue;
    auto& counts = bins[summary.route];
    if (counts.empty()) counts.assign(kHistogramBins, 0.0);
    const int bin = std::clamp(static_cast<int>(summary.student_probability * kHistogramBins), 0, kHistogramBins - 1);
    counts[static_cast<std::size_t>(bin)] += 1;
  }
  if (bins.empty()) return;
  page.heading("How sure the student was");
  page.paragraph(
      "The student's calibrated match probability for each query's decided candidate (its best candidate when "
      "the decision was \"no match\"), by who decided. Escalation sends the least certain queries to the teacher." +
      (find(metrics, {"threshold"}) ? " Decision threshold on the student's raw score: " +
                                          scalar_text(*find(metrics, {"threshold"})) + "."
                                    : std::string()));
  json labels = json::array(), datasets = json::array();
  for (int bin = 0; bin < kHistogramBins; ++bin) labels.push_back(fmt::format("{:.2f}", (bin + 0.5) / kHistogramBins));
  for (const RouteStyle& style : kRouteStyles) {
    const auto found = bins.find(route::route_name(style.route));
    if (found == bins.end()) continue;
    datasets.push_back({{"label", style.label}, {"data", found->second}, {"backgroundColor", style.colour}});
  }
  page.chart({{"type", "bar"},
              {"data", {{"labels", labels}, {"datasets", datasets}}},
              {"options", {{"scales", {{"x", {{"stacked", true}, {"title", {{"display", true}, {"text", "student probability"}}}}},
                                       {"y", {{"stacked", true}, {"title", {{"display", true}, {"text", "queries"}}}}}}}}}});
}

void add_quality(HtmlPage& page, const json& metrics) {
  const json* quality = find(metrics, {"quality"});
  if (!quality || !quality->is_object()) return;
  page.heading("Quality against the gold standard");
  add_flat_table(page, *quality, "measure");
  const json* routed = find(metrics, {"routing", "quality"});
  if (!routed) return;
  page.paragraph("The student alone, the teacher alone (its answers where it was asked, nothing elsewhere) and "
                 "their merge, the output of this run:");
  json datasets = json::array();
  const std::pair<const char*, const char*> outputs[] = {
      {"student_only", "student alone"}, {"teacher_only", "teacher alone"}, {"hierarchical", "merged (this run)"}};
  const char* colours[] = {"#4c78a8", "#f58518", "#54a24b"};
  for (std::size_t idx = 0; idx < std::size(outputs); ++idx) {
    const json* scores = find(*routed, {outputs[idx].first});
    if (!scores) continue;
    datasets.push_back({{"label", outputs[idx].second},
                        {"data", {scores->value("f1", 0.0), scores->value("query_accuracy", 0.0)}},
                        {"backgroundColor", colours[idx]}});
  }
  page.chart({{"type", "bar"},
              {"data", {{"labels", {"pair F1", "query accuracy"}}, {"datasets", datasets}}},
              {"options", {{"scales", {{"y", {{"min", 0}, {"max", 1}}}}}}}});
  if (const json* either = find(*routed, {"either_right_query_accuracy"})) {
    page.paragraph("Ceiling of any merge (a query counts when the student or the teacher is right on it): query "
                   "accuracy " + scalar_text(*either) + ".");
  }
}

void add_cost(HtmlPage& page, const json& metrics) {
  const json* teacher = find(metrics, {"teacher"});
  const json* routing = find(metrics, {"routing"});
  if (teacher && !teacher->is_object()) teacher = nullptr;  // some tasks name the teacher only
  if (routing && !routing->is_object()) routing = nullptr;
  if (!teacher && !routing) return;
  page.heading("The teacher: calls, tokens and money");
  if (teacher) {
    page.paragraph("Training sample (and the whole run's teacher settings):");
    add_flat_table(page, *teacher, "teacher");
  }
  if (routing) {
    json escalation = *routing;
    escalation.erase("quality");  // shown with the quality
    page.paragraph("Escalation after training:");
    add_flat_table(page, escalation, "routing");
  }
}

void add_stage_times(HtmlPage& page, const json& metrics) {
  const json* seconds = find(metrics, {"seconds"});
  if (!seconds || !seconds->is_object()) seconds = find(metrics, {"stage_seconds"});  // align and link, earlier builds
  if (!seconds || !seconds->is_object() || seconds->empty()) return;
  page.heading("Where the time went");
  json labels = json::array(), values = json::array();
  for (const auto& [stage, value] : seconds->items()) {
    if (!value.is_number()) continue;
    labels.push_back(stage);
    values.push_back(value);
  }
  page.chart({{"type", "bar"},
              {"data", {{"labels", labels}, {"datasets", {{{"label", "seconds"}, {"data", values}, {"backgroundColor", "#72b7b2"}}}}}},
              {"options", {{"plugins", {{"legend", {{"display", false}}}}}}}});
}

// Up to `count` items spread evenly over `items` (deterministic).
std::vector<const Summary*> spread(const std::vector<const Summary*>& items, std::size_t count) {
  if (items.size() <= count) return items;
  std::vector<const Summary*> picked;
  for (std::size_t idx = 0; idx < count; ++idx) picked.push_back(items[idx * items.size() / count]);
  return picked;
}

void add_samples(HtmlPage& page, const workspace::Workspace& workspace, std::int64_t run_id,
                 const std::vector<Summary>& summaries, std::size_t per_group) {
  if (summaries.empty() || per_group == 0) return;
  std::vector<const Summary*> decisions;  // each query's first (highest scored) row
  std::set<std::string_view> seen;
  for (const Summary& summary : summaries) {
    if (seen.insert(summary.left_id).second) decisions.push_back(&summary);
  }
  const auto with_route = [&](route::Route route) {
    std::vector<const Summary*> picked;
    for (const Summary* summary : decisions) {
      if (summary->route == route::route_name(route)) picked.push_back(summary);
    }
    return picked;
  };
  std::vector<const Summary*> closest = with_route(route::Route::kStudent);
  std::erase_if(closest, [](const Summary* summary) { return std::isnan(summary->student_probability); });
  std::stable_sort(closest.begin(), closest.end(), [](const Summary* a, const Summary* b) {
    return std::abs(a->student_probability - 0.5) < std::abs(b->student_probability - 0.5);
  });
  closest.resize(std::min(closest.size(), per_group));
  std::vector<const Summary*> matches;
  for (const Summary* summary : decisions) {
    if (summary->decision == "match") matches.push_back(summary);
  }

  const std::pair<std::string, std::vector<const Summary*>> groups[] = {
      {"Escalated: the teacher decided", spread(with_route(route::Route::kTeacher), per_group)},
      {"The student's closest calls (it decided alone)", closest},
      {"The teacher said none, the student's match was kept", spread(with_route(route::Route::kStudentKept), per_group)},
      {"The teacher named a record the student gives more surely to another query",
       spread(with_route(route::Route::kStudentKeptOverClaim), per_group)},
      {"Escalated, but the teacher gave no usable answer", spread(with_route(route::Route::kTeacherFailed), per_group)},
      {"Matches, spread over the output (for a spot check)", spread(matches, per_group)},
  };
  page.heading("Sample decisions, explained");
  page.paragraph("Click a decision for its explanation: the student's strongest reasons in log-odds points (they add "
                 "up to its score), who decided, and the teacher's own rationale where it saw the query. "
                 "`matchmaker explain` prints the same for any query.");
  for (const auto& [title, group] : groups) {
    if (group.empty()) continue;
    page.paragraph(title + ":");
    for (const Summary* summary : group) {
      for (const auto& explanation : workspace.load_explanations(run_id, summary->left_id)) {
        if (explanation.right_id != summary->right_id) continue;
        page.details(fmt::format("{} → {}: {}, {}{}", explanation.left_id, explanation.right_id, explanation.decision,
                                 route_label(explanation.route),
                                 std::isnan(summary->student_probability)
                                     ? std::string()
                                     : fmt::format(" (student {:.2f})", summary->student_probability)),
                     pipeline::explanation_text(explanation));
      }
    }
  }
}

}  // namespace

std::string run_report_html(const workspace::Workspace& workspace, std::int64_t run_id, const RunReportOptions& options) {
  const json info = workspace.run_info(run_id);
  const std::vector<Summary> summaries = workspace.load_decision_summaries(run_id);
  const json metrics = info["metrics"].is_object() ? info["metrics"] : json::object();

  HtmlPage page(fmt::format("matchmaker run {}", run_id));
  add_overview(page, info, workspace.path());
  if (!summaries.empty()) add_funnel(page, metrics, summaries);
  add_score_distribution(page, metrics, summaries);
  add_quality(page, metrics);
  add_cost(page, metrics);
  add_stage_times(page, metrics);
  add_samples(page, workspace, run_id, summaries, options.samples_per_group);
  page.heading("Configuration");
  add_flat_table(page, info["config"], "setting");
  if (info["components"].is_object() && !info["components"].empty()) add_flat_table(page, info["components"], "component");
  return page.render();
}

}  // namespace matchmaker::report
