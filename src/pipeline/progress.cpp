#include "matchmaker/progress.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace matchmaker {
namespace {

std::atomic<double> g_interval_seconds{10.0};

std::chrono::milliseconds default_interval() {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(g_interval_seconds.load() * 1000.0)));
}

}  // namespace

Progress::Progress(std::string stage, std::size_t total, std::string unit)
    : Progress(std::move(stage), total, std::move(unit), default_interval()) {}

Progress::Progress(std::string stage, std::size_t total, std::string unit, std::chrono::milliseconds interval)
    : stage_(std::move(stage)),
      total_(total),
      unit_(std::move(unit)),
      interval_(std::chrono::duration_cast<Clock::duration>(interval)),
      started_(Clock::now()),
      next_line_at_(interval_.count()) {}

// Clamped to [0, a year]: the interval becomes a count of milliseconds, which must not overflow.
void Progress::set_interval_seconds(double seconds) {
  constexpr double kLongest = 365.0 * 24 * 3600;
  g_interval_seconds.store(std::min(kLongest, std::max(0.0, seconds)));
}
double Progress::interval_seconds() { return g_interval_seconds.load(); }

void Progress::add(std::size_t count, const std::function<std::string()>* detail) {
  const std::size_t done_now = done_.fetch_add(count, std::memory_order_relaxed) + count;
  const std::int64_t now = (Clock::now() - started_).count();
  std::int64_t due = next_line_at_.load(std::memory_order_relaxed);
  if (now < due) return;
  // One thread wins the line; the others go on counting.
  if (!next_line_at_.compare_exchange_strong(due, now + interval_.count(), std::memory_order_relaxed)) return;
  write_line(done_now, detail);
}

void Progress::write_line(std::size_t done_now, const std::function<std::string()>* detail) {
  const std::lock_guard<std::mutex> lock(writing_);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  std::string line = fmt::format("{}: ", stage_);
  if (total_ > 0) {
    const double share = std::min(1.0, static_cast<double>(done_now) / static_cast<double>(total_));
    line += fmt::format("{:.0f}% ({} of {} {}), {:.0f} s", 100.0 * share, done_now,
                        total_, unit_, elapsed);
    // Assumes the rest goes at the pace so far: a guide, not a promise.
    const double left = share > 0.0 ? elapsed * (1.0 - share) / share : 0.0;
    if (left >= 0.5) line += fmt::format(", about {:.0f} s left", left);
  } else {
    line += fmt::format("{} {}, {:.0f} s", done_now, unit_, elapsed);
  }
  if (detail != nullptr && *detail) line += (*detail)();
  spdlog::info("{}", line);
  lines_written_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace matchmaker
