// Opening an earlier run of a workspace, shared by the commands that read one.
#include <filesystem>
#include <optional>
#include <system_error>

#include "cli/commands.h"
#include "matchmaker/error.h"

namespace matchmaker::cli {

WorkspaceRun open_workspace_run(const std::string& path, std::optional<std::int64_t> run, bool read_only) {
  // Workspace::open would create a missing file; a reader asking for one has mistyped its path.
  if (!std::filesystem::exists(path)) throw InputError("workspace " + path + ": no such file");
  // Opening would write the schema into it: an empty file is no workspace, and a reader leaves it be.
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error) && std::filesystem::file_size(path, error) == 0 && !error) {
    throw InputError("workspace " + path + ": an empty file, not a workspace (no run recorded)");
  }
  auto workspace = read_only ? workspace::Workspace::open_read_only(path) : workspace::Workspace::open(path);
  if (!run) {
    const auto latest = workspace.latest_run();
    if (!latest) throw InputError("workspace " + path + ": no run recorded yet");
    run = *latest;
  }
  workspace.run_info(*run);  // InputError if there is no such run (run ids start at 1)
  return {std::move(workspace), *run};
}

}  // namespace matchmaker::cli
