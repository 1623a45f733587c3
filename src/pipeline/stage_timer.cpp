#include "pipeline/stage_timer.h"

#include <sys/resource.h>

namespace matchmaker::pipeline {

double StageTimer::finish(const std::string& name) {
  const auto now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - stage_started_).count();
  stage_started_ = now;
  stages_.emplace_back(name, seconds);
  return seconds;
}

double StageTimer::total_seconds() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

void StageTimer::record_costs(nlohmann::json& metrics) const {
  nlohmann::json seconds = nlohmann::json::object();
  for (const auto& [stage, value] : stages_) seconds[stage] = value;
  metrics["seconds"] = std::move(seconds);
  metrics["seconds_total"] = total_seconds();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  metrics["peak_memory_mib"] = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace matchmaker::pipeline
