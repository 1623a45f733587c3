#include "pipeline/teacher_files.h"

#include <spdlog/spdlog.h>

#include "matchmaker/error.h"
#include "select/query_selection.h"
#include "teacher/teacher.h"

namespace matchmaker::pipeline {
namespace {

// A batch: teacher's requests go to OUT plus this.
constexpr const char* kBatchRequestsSuffix = ".batch.jsonl";

}  // namespace

std::string workspace_path_for(const std::string& requested, const std::string& out_path, const DistillSettings& settings) {
  if (!requested.empty()) return requested;
  if (!uses_llm(settings)) return std::string();
  // Next to a device it went into /dev (/dev/stdout.workspace.db), and "-" made "-.workspace.db".
  if (io::is_stream_output(out_path)) {
    throw InputError("--out " + out_path + " is not a file, so the LLM teacher's workspace cannot go next to it "
                     "(OUT.workspace.db): give --workspace");
  }
  return out_path + ".workspace.db";
}

void connect_teacher_outputs(DistillSettings& settings, const std::string& out_path, workspace::Workspace* workspace) {
  settings.teacher_options.cache = workspace;
  settings.teacher_options.batch_export_path = out_path + kBatchRequestsSuffix;
}

std::vector<std::string> with_teacher_inputs(std::vector<std::string> named, const DistillSettings& settings) {
  std::vector<std::string> files = std::move(named);
  for (const std::string* spec : {&settings.teacher, &settings.escalation_teacher}) {
    for (auto& file : teacher::recording_files(*spec)) files.push_back(std::move(file));
  }
  return files;
}

std::vector<io::OutputOption> with_teacher_outputs(std::vector<io::OutputOption> named, const std::string& requested_workspace,
                                                   const std::string& out_path, const DistillSettings& settings) {
  std::vector<io::OutputOption> files = std::move(named);
  if (requested_workspace.empty()) {
    const std::string workspace = workspace_path_for(requested_workspace, out_path, settings);
    if (!workspace.empty()) files.push_back({"the workspace (default " + workspace + ")", workspace});
  }
  if (teacher::exports_batch(settings.teacher) || teacher::exports_batch(settings.escalation_teacher)) {
    if (io::is_stream_output(out_path)) {
      throw InputError("--out " + out_path + " is not a file, and batch: writes its requests next to it "
                       "(OUT.batch.jsonl): give --out a file");
    }
    files.push_back({"the Batch API requests file", out_path + kBatchRequestsSuffix});
  }
  return files;
}

void follow_batch_run(DistillSettings& settings, const workspace::Workspace& workspace) {
  if (!settings.selection_by_default) return;
  const std::string batch_spec = teacher::batch_spec_of(settings.teacher);
  if (batch_spec.empty()) return;
  const auto batch_run = workspace.latest_run_of_teacher(batch_spec);
  if (!batch_run) return;
  const nlohmann::json config = workspace.run_info(*batch_run)["config"];
  if (!config.contains("selection") || !config["selection"].is_string()) return;
  const auto selection = select::parse_selection_strategy(config["selection"].get<std::string>());
  if (selection == settings.selection) return;
  spdlog::info("selection: {} (not {}), as in run {} ({}) of workspace {}, so that the questions it wrote for the "
               "Batch API are asked again and answered from the cache",
               select::selection_strategy_name(selection), select::selection_strategy_name(settings.selection),
               *batch_run, batch_spec, workspace.path());
  settings.selection = selection;
}

}  // namespace matchmaker::pipeline
