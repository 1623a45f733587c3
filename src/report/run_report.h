// `matchmaker report` for one run of a workspace: what went in, who decided what, what it cost, how
// good it is (with gold) and sample decisions with their explanations, as one self-contained HTML page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "workspace/workspace.h"

namespace matchmaker::report {

struct RunReportOptions {
  std::size_t samples_per_group = 8;  // sample decisions shown per group (escalated, closest calls, ...)
};

// The page for `run_id`. Works on any run a workspace holds: a finished run in full; a failed or
// unfinished one with its reason and whatever it stored. Deterministic: the same run gives the same page.
std::string run_report_html(const workspace::Workspace& workspace, std::int64_t run_id, const RunReportOptions& options);

}  // namespace matchmaker::report
