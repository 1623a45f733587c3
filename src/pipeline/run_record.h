// The end of a run in its workspace: matches, explanations and metrics stored, status "done". Every
// task records its runs through here, so `matchmaker explain` reads them all the same way.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "workspace/workspace.h"

namespace matchmaker::pipeline {

void record_finished_run(workspace::Workspace& workspace, std::int64_t run_id,
                         const std::vector<workspace::Workspace::Match>& matches,
                         const std::vector<workspace::Workspace::Explanation>& explanations, const nlohmann::json& metrics);

}  // namespace matchmaker::pipeline
