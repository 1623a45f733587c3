#include "pipeline/run_record.h"

#include <spdlog/spdlog.h>

namespace matchmaker::pipeline {

void record_finished_run(workspace::Workspace& workspace, std::int64_t run_id,
                         const std::vector<workspace::Workspace::Match>& matches,
                         const std::vector<workspace::Workspace::Explanation>& explanations, const nlohmann::json& metrics) {
  workspace.store_matches(run_id, matches);
  workspace.store_explanations(run_id, explanations);
  workspace.finish_run(run_id, metrics);
  spdlog::info("workspace {}: run {} recorded ({} matches, {} explained decisions)", workspace.path(), run_id,
               matches.size(), explanations.size());
}

void record_failed_run(workspace::Workspace& workspace, std::int64_t run_id, std::exception_ptr error) noexcept {
  std::string reason = "unknown error";
  try {
    if (error) std::rethrow_exception(error);
  } catch (const std::exception& exception) {
    reason = exception.what();
  } catch (...) {
  }
  try {
    workspace.fail_run(run_id, reason);
    spdlog::info("workspace {}: run {} marked failed", workspace.path(), run_id);
  } catch (const std::exception& exception) {
    spdlog::warn("workspace {}: could not mark run {} failed: {}", workspace.path(), run_id, exception.what());
  } catch (...) {
  }
}

}  // namespace matchmaker::pipeline
