// Opening an earlier run of a workspace, shared by the commands that read one.
#include <filesystem>

#include "cli/commands.h"
#include "matchmaker/error.h"

namespace matchmaker::cli {

WorkspaceRun open_workspace_run(const std::string& path, std::int64_t run) {
  // Workspace::open would create a missing file; a reader asking for one has mistyped its path.
  if (!std::filesystem::exists(path)) throw InputError("workspace " + path + ": no such file");
  auto workspace = workspace::Workspace::open(path);
  if (run == 0) {
    const auto latest = workspace.latest_run();
    if (!latest) throw InputError("workspace " + path + ": no run recorded yet");
    run = *latest;
  }
  workspace.run_info(run);  // InputError if there is no such run
  return {std::move(workspace), run};
}

}  // namespace matchmaker::cli
