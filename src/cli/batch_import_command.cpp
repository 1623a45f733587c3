// `matchmaker batch-import`: store the results of an OpenAI Batch API job in the answer cache.
#include <spdlog/spdlog.h>

#include <optional>

#include "cli/commands.h"
#include "matchmaker/error.h"
#include "teacher/batch_import.h"
#include "workspace/workspace.h"

namespace matchmaker::cli {

Command add_batch_import_command(CLI::App& app) {
  struct Options {
    std::string workspace, teacher, results;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "batch-import", "Store the results of an OpenAI Batch API job (from a batch:MODEL run) in the workspace's "
                      "answer cache; then run the task again with --teacher openai:MODEL");
  command->add_option("--workspace", options->workspace, "Workspace of the batch:MODEL run (its --workspace, or OUT.workspace.db if it gave none)")
      ->required();
  command->add_option("--teacher", options->teacher, "The teacher the answers belong to: openai:MODEL")->required();
  command->add_option("results", options->results, "Batch API output file (JSONL)")->required();
  return {command, [options] {
            if (options->teacher.rfind("openai:", 0) != 0) throw InputError("--teacher must be openai:MODEL");
            // The answers belong in the workspace of the run that wrote the requests (an existing one,
            // with runs): a mistyped path would otherwise get a new, empty workspace, and the next run
            // would ask everything again.
            auto workspace = open_workspace_run(options->workspace, std::nullopt, false).workspace;
            teacher::refuse_import_without_batch_run(workspace, options->teacher);
            const auto report = teacher::import_batch_results(options->results, workspace, options->teacher);
            spdlog::info("batch-import: {} results, {} answers stored in {} ({} were there already), {} failed "
                         "requests", report.lines, report.stored, options->workspace, report.already, report.failed);
          }};
}

}  // namespace matchmaker::cli
