#include "pipeline/run_record.h"

#include <spdlog/spdlog.h>

namespace matchmaker::pipeline {

void record_finished_run(workspace::Workspace& workspace, std::int64_t run_id,
                         const std::vector<workspace::Workspace::Match>& matches,
                         workspace::Workspace::ExplanationWriter& explanations, const nlohmann::json& metrics) {
  // Committed first: the other writes wait for its transaction.
  const std::size_t explained = explanations.commit();
  workspace.store_matches(run_id, matches);
  workspace.finish_run(run_id, metrics);
  spdlog::info("workspace {}: run {} recorded ({} matches, {} explained decisions)", workspace.path(), run_id,
               matches.size(), explained);
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

void write_metrics(io::AtomicFile& file, const nlohmann::json& metrics) {
  // Paths in the config may hold bytes that are not UTF-8 (file names are bytes): replaced, not thrown
  // on after all the work.
  file.stream() << metrics.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  file.prepare();
}

}  // namespace matchmaker::pipeline
