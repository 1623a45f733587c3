// Progress of a long stage, for the log: one line at most every few seconds, so that a run over a
// million records or thousands of LLM calls is never silent for minutes. A stage that ends before
// the first interval prints nothing of it.
//
// Thread-safe: add() may be called from every thread of a parallel loop (in chunks, on hot paths:
// each call is an atomic add and a clock read); one thread at a time writes a line.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace matchmaker {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  // `stage` names the stage as its closing log line does ("candidates"); `unit` says what `total`
  // counts ("records searched"). The interval is interval_seconds() unless given.
  Progress(std::string stage, std::size_t total, std::string unit);
  Progress(std::string stage, std::size_t total, std::string unit, std::chrono::milliseconds interval);

  // Counts `count` more units done, and writes a line when the interval has passed since the last
  // one (or the start): "candidates: 45% (900000 of 2000000 records searched), 50 s, about 61 s left".
  void add(std::size_t count = 1) { add(count, nullptr); }
  // The same; `detail` is called only when a line is due, and what it returns ends the line
  // ("; 1150 accepted, 30 failed, ... $0.12 so far").
  void add(std::size_t count, const std::function<std::string()>& detail) { add(count, &detail); }

  std::size_t done() const { return done_.load(std::memory_order_relaxed); }
  std::size_t lines_written() const { return lines_written_.load(std::memory_order_relaxed); }

  // The interval of every Progress made without one: 10 s unless set (matchmaker --progress-seconds).
  static void set_interval_seconds(double seconds);
  static double interval_seconds();

 private:
  void add(std::size_t count, const std::function<std::string()>* detail);
  void write_line(std::size_t done_now, const std::function<std::string()>* detail);

  const std::string stage_;
  const std::size_t total_;
  const std::string unit_;
  const Clock::duration interval_;
  const Clock::time_point started_;
  std::atomic<std::size_t> done_{0};
  std::atomic<std::int64_t> next_line_at_;  // Clock ticks since started_
  std::atomic<std::size_t> lines_written_{0};
  std::mutex writing_;
};

}  // namespace matchmaker
