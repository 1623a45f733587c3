#include "report/run_report.h"

#include <gtest/gtest.h>

#include <string>

#include "explain/explanation.h"
#include "matchmaker/error.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::report {
namespace {

using io::testing::TempDir;
using nlohmann::json;
using workspace::Workspace;

// The detail a run stores for a decision the student scored (decision_explanations.cpp).
json student_detail(double calibrated, const std::string& rationale = "") {
  explain::PairExplanation student;
  student.contributions = {{"name jaro-winkler", 0.93f, 1.2f}, {"price relative difference", 0.4f, -0.8f}};
  student.bias = -0.5f;
  student.log_odds = -0.1f;
  json detail = {{"blocking_score", 0.7}, {"student", explain::to_json(student)}};
  detail["student"]["calibrated_probability"] = calibrated;
  if (!rationale.empty()) detail["teacher"] = {{"chose_this", true}, {"said_none", false}, {"rationale", rationale}};
  return detail;
}

// A finished run of six left records: five with candidates, decided by every route there is.
std::int64_t finished_run(Workspace& workspace) {
  const std::int64_t run = workspace.begin_run({{"teacher", "openai:gpt-4o"}, {"seed", 7}});
  workspace.store_explanations(
      run, {{"q1", "r1", "match", "student", 0.97, student_detail(0.95)},
            {"q2", "r2", "match", "teacher", 1.0, student_detail(0.52, "<script>alert(1)</script> same model code")},
            {"q3", "r3", "no match", "student", 0.45, student_detail(0.48)},
            {"q4", "r4", "match", "student-over-teacher-none", 0.9, student_detail(0.85)},
            {"q5", "r5", "match", "student-teacher-failed", 0.6, student_detail(0.55)}});
  workspace.finish_run(
      run, {{"task", "linkage"},
            {"records", {{"left", 6}, {"right", 7}}},
            {"teacher", {{"calls", 5}, {"report", {{"questions", 2}, {"prompt_tokens", 1234}}}}},
            {"quality", {{"f1", 0.8}, {"query_accuracy", 0.75}}},
            {"routing",
             {{"escalated", 3},
              {"quality",
               {{"student_only", {{"f1", 0.7}, {"query_accuracy", 0.6}}},
                {"teacher_only", {{"f1", 0.3}, {"query_accuracy", 0.2}}},
                {"hierarchical", {{"f1", 0.8}, {"query_accuracy", 0.75}}},
                {"either_right_query_accuracy", 0.9}}}}},
            {"seconds", {{"load", 0.1}, {"student", 0.2}}},
            {"seconds_total", 0.35}});
  return run;
}

bool has(const std::string& html, const std::string& text) { return html.find(text) != std::string::npos; }

TEST(RunReport, ShowsTheFlowRoutesQualityCostAndSampleDecisions) {
  TempDir dir;
  auto workspace = Workspace::open(dir.file("ws.mm"));
  const std::int64_t run = finished_run(workspace);
  const std::string html = run_report_html(workspace, run, {});

  EXPECT_TRUE(has(html, "<title>matchmaker run 1</title>"));
  // The funnel: 6 records, 5 queries with candidates, 2 asked for the sample, 3 escalated, 4 matched.
  EXPECT_TRUE(has(html, "\"labels\":[\"records (left table)\",\"queries with candidates\""));
  EXPECT_TRUE(has(html, "\"data\":[6.0,5.0,2.0,3.0,4.0]"));
  // Who decided: one route per query, with its share.
  EXPECT_TRUE(has(html, "<td>student alone</td><td class=\"num\">2</td><td class=\"num\">40.0%</td>"));
  EXPECT_TRUE(has(html, "<td>teacher (escalated)</td><td class=\"num\">1</td><td class=\"num\">20.0%</td>"));
  EXPECT_TRUE(has(html, "<td>student (over the teacher&#39;s none)</td>"));
  EXPECT_TRUE(has(html, "<td>student (teacher failed)</td>"));
  // Quality with gold, and the student / teacher / merged comparison.
  EXPECT_TRUE(has(html, "<td>query_accuracy</td><td class=\"num\">0.75</td>"));
  EXPECT_TRUE(has(html, "\"label\":\"merged (this run)\""));
  EXPECT_TRUE(has(html, "query accuracy 0.9."));
  // Cost and time.
  EXPECT_TRUE(has(html, "<td>report.prompt_tokens</td><td class=\"num\">1234</td>"));
  EXPECT_TRUE(has(html, "Where the time went"));
  EXPECT_TRUE(has(html, "<td>wall time, s</td><td class=\"num\">0.35</td>"));
  // Sample decisions with their explanations; the teacher's text is escaped.
  EXPECT_TRUE(has(html, "q2 → r2: match, teacher (escalated) (student 0.52)"));
  EXPECT_TRUE(has(html, "Its rationale: &lt;script&gt;alert(1)&lt;/script&gt; same model code"));
  EXPECT_FALSE(has(html, "<script>alert(1)"));
  EXPECT_TRUE(has(html, "q3 → r3: no match, student alone (student 0.48)"));
  EXPECT_TRUE(has(html, "name jaro-winkler 0.93"));
  // Configuration.
  EXPECT_TRUE(has(html, "<td>teacher</td><td>openai:gpt-4o</td>"));
}

TEST(RunReport, IsDeterministicAndHonoursTheSampleCount) {
  TempDir dir;
  auto workspace = Workspace::open(dir.file("ws.mm"));
  const std::int64_t run = finished_run(workspace);
  EXPECT_EQ(run_report_html(workspace, run, {}), run_report_html(workspace, run, {}));
  const std::string none = run_report_html(workspace, run, {0});
  EXPECT_FALSE(has(none, "<details>"));
  EXPECT_FALSE(has(none, "Sample decisions"));
}

TEST(RunReport, FailedAndUnfinishedRunsSayWhy) {
  TempDir dir;
  auto workspace = Workspace::open(dir.file("ws.mm"));
  const std::int64_t failed = workspace.begin_run({{"left", "left.csv"}});
  workspace.fail_run(failed, "left.csv:3: unterminated quoted field");
  const std::string failed_html = run_report_html(workspace, failed, {});
  EXPECT_TRUE(has(failed_html, "This run failed: left.csv:3: unterminated quoted field."));
  EXPECT_FALSE(has(failed_html, "From records to matches"));  // it decided nothing

  const std::int64_t running = workspace.begin_run({});
  EXPECT_TRUE(has(run_report_html(workspace, running, {}), "This run has not finished"));
  EXPECT_THROW(run_report_html(workspace, running + 1, {}), InputError);
}

TEST(RunReport, ShowsWhatAnotherTasksMetricsHold) {
  TempDir dir;
  auto workspace = Workspace::open(dir.file("ws.mm"));
  const std::int64_t run = workspace.begin_run({{"task", "align"}});
  workspace.store_explanations(run, {{"e1", "f1", "match", "student", 1.0, {{"blocking_score", 1.0}}}});
  workspace.finish_run(run, {{"task", "align"}, {"teacher", "none"}, {"quality", {{"hits_at_1", 0.93}}}});
  const std::string html = run_report_html(workspace, run, {});
  EXPECT_TRUE(has(html, "<td>hits_at_1</td><td class=\"num\">0.93</td>"));
  EXPECT_FALSE(has(html, "calls, tokens and money"));  // the teacher is only named: no empty section
  EXPECT_FALSE(has(html, "How sure the student was"));  // no student probabilities to plot
  // A workspace from before the candidate-score route: "student" without a student model.
  EXPECT_TRUE(has(html, "Decided by: the candidate scores alone (no student model"));
  EXPECT_TRUE(has(html, "Score without a student: 1.000 (the candidate search&#39;s similarity; in align, the "
                        "structural model&#39;s)"));

  // Align and link runs recorded by earlier builds kept their costs under other keys.
  const std::int64_t older_align = workspace.begin_run({{"task", "align"}});
  workspace.finish_run(older_align, {{"task", "align"}, {"seconds", 12.5}, {"stage_seconds", {{"load", 2.0}, {"model", 10.5}}}});
  const std::string older_align_html = run_report_html(workspace, older_align, {});
  EXPECT_TRUE(has(older_align_html, "<td>wall time, s</td><td class=\"num\">12.5</td>"));
  EXPECT_TRUE(has(older_align_html, "Where the time went"));
  const std::int64_t older_link = workspace.begin_run({{"task", "link"}});
  workspace.finish_run(older_link, {{"task", "link"}, {"wall_seconds", 3.25}, {"stage_seconds", {{"retrieve", 3.0}}}});
  const std::string older_link_html = run_report_html(workspace, older_link, {});
  EXPECT_TRUE(has(older_link_html, "<td>wall time, s</td><td class=\"num\">3.25</td>"));
  EXPECT_TRUE(has(older_link_html, "Where the time went"));

  const std::int64_t scored = workspace.begin_run({{"task", "align"}});
  workspace.store_explanations(scored, {{"e1", "f1", "match", "candidate-score", 1.0, {{"blocking_score", 1.0}}}});
  workspace.finish_run(scored, {{"task", "align"}, {"teacher", "none"}});
  const std::string scored_html = run_report_html(workspace, scored, {});
  EXPECT_TRUE(has(scored_html, "Decided by: the candidate scores alone (no student model"));
  EXPECT_TRUE(has(scored_html, "candidate score alone (no student)"));  // the who-decided chart's label
}

}  // namespace
}  // namespace matchmaker::report
