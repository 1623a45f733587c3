// `matchmaker explain`: why a query was decided as it was, from a run's workspace, in plain words.
#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "matchmaker/error.h"
#include "pipeline/decision_explanations.h"
#include "teacher/teacher.h"
#include "workspace/workspace.h"

namespace matchmaker::cli {

Command add_explain_command(CLI::App& app) {
  struct Options {
    std::string workspace, left_id, right_id;
    std::optional<std::int64_t> run;  // unset: the latest
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "explain", "Why a query was decided as it was: the student's feature contributions, who decided (student or "
                 "teacher) and the teacher's rationale, from a run's --workspace");
  command->add_option("--workspace", options->workspace, "Workspace of the run (match --workspace)")->required();
  command->add_option("--run", options->run, "Run id (default: the latest)");
  command->add_option("left_id", options->left_id, "Id of the query record")->required();
  command->add_option("right_id", options->right_id, "Id of one candidate (default: every explained candidate). A run stores the decided candidate of each "
                      "query (its match, or its best candidate when it has none); link runs store none");
  return {command, [options] {
            const auto [workspace, run] = open_workspace_run(options->workspace, options->run, true);
            const auto explanations = workspace.load_explanations(run, options->left_id);
            if (explanations.empty()) {
              const nlohmann::json info = workspace.run_info(run);
              if (info.value("status", "") != "done") {
                throw InputError(fmt::format("run {} did not finish (status '{}'{}), so it stored no decisions; give "
                                             "--run with the id of a finished run",
                                             run, info.value("status", ""),
                                             info["error"].is_string() ? ": " + info["error"].get<std::string>() : ""));
              }
              const std::string task = info["config"].value("task", "");
              if (task == "link") {
                throw InputError(fmt::format("run {} is a link run, which stores no decisions to explain; explain "
                                             "reads match and align runs", run));
              }
              if (teacher::exports_batch(info["config"].value("teacher", ""))) {
                throw InputError(fmt::format("run {} wrote Batch API requests and decided nothing yet: batch-import the "
                                             "results, run again, then explain that run", run));
              }
              throw InputError(fmt::format("run {} has no decision for query '{}' ({})", run, options->left_id,
                                           task == "align" ? "not in KG1, a seed link, or without candidates"
                                                 : "not in the left table, or it had no candidates"));
            }
            bool printed = false;
            for (const auto& explanation : explanations) {
              if (!options->right_id.empty() && explanation.right_id != options->right_id) continue;
              std::cout << pipeline::explanation_text(explanation);
              printed = true;
            }
            if (!printed) {
              // Clusters (deduplication) also join records that were never a candidate pair of each
              // other: the match has no decision of its own, only the chain of its cluster's links.
              for (const auto& [left_id, right_id, score] : workspace.load_matches(run)) {
                if (left_id != options->left_id || right_id != options->right_id) continue;
                std::cout << fmt::format("Query \"{}\" and candidate \"{}\": MATCH (score {:.3f})\n", left_id, right_id, score)
                          << "  Decided by: their cluster. They were never compared with each other: each is linked "
                             "to other records of the cluster, and a cluster's records all match (score: its weakest "
                             "link). Its links: matchmaker explain on each record of the cluster.\n";
                return;
              }
              std::string known;
              for (const auto& explanation : explanations) known += " " + explanation.right_id;
              throw InputError(fmt::format("run {} decided query '{}' on candidate(s){}, not '{}'", run, options->left_id,
                                           known, options->right_id));
            }
          }};
}

}  // namespace matchmaker::cli
