// Wall time per pipeline stage and the process's peak memory, for logs and metrics.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace matchmaker::pipeline {

class StageTimer {
 public:
  StageTimer() : started_(Clock::now()), stage_started_(started_) {}
  // Ends the current stage under `name` and returns its seconds.
  double finish(const std::string& name);
  double total_seconds() const;
  const std::vector<std::pair<std::string, double>>& stages() const { return stages_; }
  // What the run cost, in the keys every job's metrics JSON uses (the report reads them): "seconds"
  // {"stage": seconds, ...}, "seconds_total" and "peak_memory_mib".
  void record_costs(nlohmann::json& metrics) const;

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point started_;
  Clock::time_point stage_started_;
  std::vector<std::pair<std::string, double>> stages_;
};

}  // namespace matchmaker::pipeline
