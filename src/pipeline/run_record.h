// The end of a run in its workspace: matches, explanations and metrics stored, status "done"; or, when
// it stopped on an error, status "failed" with the reason. Every task records its runs through here, so
// `matchmaker explain` reads them all the same way. Its metrics go to the --metrics file through here too.
#pragma once

#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <vector>

#include "io/atomic_file.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {

// `explanations` holds the run's explanations, written as they were made; they are committed here.
void record_finished_run(workspace::Workspace& workspace, std::int64_t run_id,
                         const std::vector<workspace::Workspace::Match>& matches,
                         workspace::Workspace::ExplanationWriter& explanations, const nlohmann::json& metrics);

// The metrics JSON of a run (or of a dry run's plan), written whole to `file` and prepared (flushed and
// synced: a full disk shows here); the caller commits it, with the run's other outputs
// (io::commit_together).
void write_metrics(io::AtomicFile& file, const nlohmann::json& metrics);

// Marks the run "failed" with the message of `error`. Never throws: it runs while that error is on its
// way out, and a workspace that cannot take the mark only gets a warning in the log.
void record_failed_run(workspace::Workspace& workspace, std::int64_t run_id, std::exception_ptr error) noexcept;

}  // namespace matchmaker::pipeline
