// `matchmaker batch-import`: store the results of an OpenAI Batch API job in the answer cache.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "cli/commands.h"
#include "matchmaker/error.h"
#include "teacher/teacher.h"
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
  command->add_option("--workspace", options->workspace, "Workspace of the batch:MODEL run (default OUT.workspace.db)")
      ->required();
  command->add_option("--teacher", options->teacher, "The teacher the answers belong to: openai:MODEL")->required();
  command->add_option("results", options->results, "Batch API output file (JSONL)")->required();
  return {command, [options] {
            if (options->teacher.rfind("openai:", 0) != 0) throw InputError("--teacher must be openai:MODEL");
            // The answers belong in the workspace of the run that wrote the requests (an existing one,
            // with runs): a mistyped path would otherwise get a new, empty workspace, and the next run
            // would ask everything again.
            auto workspace = open_workspace_run(options->workspace, std::nullopt).workspace;
            // Answers stored under another model than the batch run's are never found: the next
            // openai:MODEL run would pay for every question again.
            const std::string batch_spec = teacher::batch_spec_of(options->teacher);
            bool written_by_a_run = false;
            for (std::int64_t run = 1; run <= *workspace.latest_run() && !written_by_a_run; ++run) {
              nlohmann::json config;
              try {
                config = workspace.run_info(run)["config"];
              } catch (const InputError&) {
                continue;  // a run id that is not there
              }
              const nlohmann::json escalation = config.is_object() ? config.value("escalation", nlohmann::json::object())
                                                                   : nlohmann::json::object();
              const std::string teacher_spec = config.is_object() ? config.value("teacher", "") : "";
              const std::string escalation_spec = escalation.is_object() ? escalation.value("teacher", "") : "";
              for (const std::string& spec : {teacher_spec, escalation_spec}) {
                const auto leaves = teacher::leaf_teachers(spec);
                written_by_a_run = written_by_a_run || std::find(leaves.begin(), leaves.end(), batch_spec) != leaves.end();
              }
            }
            if (!written_by_a_run) {
              throw InputError(fmt::format("no run of workspace {} wrote {} requests: give the openai: teacher of its "
                                           "batch: run (--teacher {} answers the requests of --teacher {})",
                                           options->workspace, batch_spec, options->teacher, batch_spec));
            }
            const auto report = teacher::import_batch_results(options->results, workspace, options->teacher);
            spdlog::info("batch-import: {} results, {} answers stored in {}, {} failed requests", report.lines,
                         report.stored, options->workspace, report.failed);
          }};
}

}  // namespace matchmaker::cli
