// `matchmaker explain`: why a query was decided as it was, from a run's workspace, in plain words.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "explain/explanation.h"
#include "matchmaker/error.h"
#include "route/router.h"
#include "workspace/workspace.h"

namespace matchmaker::cli {
namespace {

constexpr std::size_t kContributionsShown = 6;

std::string who_decided(const std::string& route) {
  using route::Route;
  if (route == route::route_name(Route::kStudent)) return "the student model (the teacher was not asked about this query)";
  if (route == route::route_name(Route::kTeacher)) return "the LLM teacher (the student was unsure, so the query was escalated)";
  if (route == route::route_name(Route::kSample)) return "the LLM teacher (asked while building the training sample)";
  if (route == route::route_name(Route::kTeacherFailed)) {
    return "the student model (the query was escalated, but the teacher gave no usable answer)";
  }
  if (route == route::route_name(Route::kStudentKept)) {
    return "the student model (the query was escalated; the teacher said none, which does not overrule the student's match)";
  }
  return route;
}

void print_explanation(std::ostream& out, const workspace::Workspace::Explanation& explanation) {
  out << fmt::format("Query \"{}\" and candidate \"{}\": {} (score {:.3f})\n", explanation.left_id, explanation.right_id,
                     explanation.decision == "match" ? "MATCH" : "NO MATCH", explanation.score);
  out << "  Decided by: " << who_decided(explanation.route) << '\n';
  const nlohmann::json& detail = explanation.detail;
  if (detail.contains("student")) {
    const explain::PairExplanation student = explain::from_json(detail["student"]);
    out << fmt::format(
        "  The student's match probability: {:.3f} (calibrated {:.3f}). What moved it, in log-odds points\n"
        "  (positive: more likely the same entity; they add up to the total):\n",
        student.probability(), detail["student"].value("calibrated_probability", student.probability()));
    float rest = student.other_contribution;
    std::size_t rest_count = student.other_count;
    for (std::size_t idx = 0; idx < student.contributions.size(); ++idx) {
      const auto& item = student.contributions[idx];
      if (idx < kContributionsShown) {
        out << fmt::format("    {:+7.2f}  {}\n", item.contribution, explain::describe_feature(item.feature, item.value));
      } else {
        rest += item.contribution;
        ++rest_count;
      }
    }
    if (rest_count > 0) out << fmt::format("    {:+7.2f}  {} other features together\n", rest, rest_count);
    out << fmt::format("    {:+7.2f}  starting point (the model's bias)\n", student.bias);
    out << fmt::format("    {:+7.2f}  total -> probability {:.3f}\n", student.log_odds, student.probability());
  } else {
    out << fmt::format("  No student model (teacher none): blocking score {:.3f}\n", detail.value("blocking_score", 0.0));
  }
  if (detail.contains("teacher")) {
    const nlohmann::json& teacher = detail["teacher"];
    const std::string said = teacher.value("said_none", false) ? "none of the candidates matches"
                             : teacher.value("chose_this", false) ? "this candidate is the match"
                                                                  : "another candidate is the match";
    out << "  The teacher saw this query and said: " << said << '\n';
    const std::string rationale = teacher.value("rationale", "");
    if (!rationale.empty()) out << "  Its rationale: " << rationale << '\n';
  }
}

}  // namespace

Command add_explain_command(CLI::App& app) {
  struct Options {
    std::string workspace, left_id, right_id;
    std::int64_t run = 0;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "explain", "Why a query was decided as it was: the student's feature contributions, who decided (student or "
                 "teacher) and the teacher's rationale, from a run's --workspace");
  command->add_option("--workspace", options->workspace, "Workspace of the run (match --workspace)")->required();
  command->add_option("--run", options->run, "Run id (default: the latest)");
  command->add_option("left_id", options->left_id, "Id of the query record")->required();
  command->add_option("right_id", options->right_id, "Id of one candidate (default: every explained candidate)");
  return {command, [options] {
            auto workspace = workspace::Workspace::open(options->workspace);
            std::int64_t run = options->run;
            if (run == 0) {
              const auto latest = workspace.latest_run();
              if (!latest) throw InputError("workspace " + options->workspace + ": no run recorded yet");
              run = *latest;
            }
            const auto explanations = workspace.load_explanations(run, options->left_id);
            if (explanations.empty()) {
              throw InputError(fmt::format("run {} has no decision for query '{}' (not in the left table, or it had no "
                                           "candidates)", run, options->left_id));
            }
            bool printed = false;
            for (const auto& explanation : explanations) {
              if (!options->right_id.empty() && explanation.right_id != options->right_id) continue;
              print_explanation(std::cout, explanation);
              printed = true;
            }
            if (!printed) {
              std::string known;
              for (const auto& explanation : explanations) known += " " + explanation.right_id;
              throw InputError(fmt::format("run {} decided query '{}' on candidate(s){}, not '{}'", run, options->left_id,
                                           known, options->right_id));
            }
          }};
}

}  // namespace matchmaker::cli
