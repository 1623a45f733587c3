// `matchmaker report --sweep`: the routing curve measured by `bench/er_distiller --sweep` (quality per
// share of queries escalated to the teacher, per data set) as one self-contained HTML page.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace matchmaker::report {

// `bench` is the benchmark's JSON output, read from `source` (named in errors and on the page).
// Throws InputError("SOURCE: ...") when it holds no sweep.
std::string sweep_report_html(const nlohmann::json& bench, const std::string& source);

}  // namespace matchmaker::report
