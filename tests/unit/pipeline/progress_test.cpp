#include "matchmaker/progress.h"

#include <gtest/gtest.h>
#include <omp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace matchmaker {
namespace {

// Routes the default logger into a string for the test's lifetime.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    auto logger = std::make_shared<spdlog::logger>("captured", sink);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(ProgressTest, WritesWhereTheStageStandsOncePerInterval) {
  CapturedLog log;
  Progress progress("candidates", 4, "records searched", std::chrono::milliseconds(0));
  progress.add();
  progress.add(1, [] { return std::string("; 2 failed"); });
  EXPECT_EQ(progress.done(), 2u);
  EXPECT_EQ(progress.lines_written(), 2u);
  const std::string text = log.text();
  EXPECT_NE(text.find("candidates: 25% (1 of 4 records searched), 0 s"), std::string::npos) << text;
  EXPECT_NE(text.find("candidates: 50% (2 of 4 records searched), 0 s"), std::string::npos) << text;
  EXPECT_NE(text.find("; 2 failed\n"), std::string::npos) << text;
}

TEST(ProgressTest, AShortStageWritesNothingAndTheDetailIsNotBuilt) {
  CapturedLog log;
  Progress progress("features", 1000, "pairs", std::chrono::hours(1));
  bool detail_built = false;
  for (int step = 0; step < 1000; ++step) progress.add(1, [&] { detail_built = true; return std::string(); });
  EXPECT_EQ(progress.done(), 1000u);
  EXPECT_EQ(progress.lines_written(), 0u);
  EXPECT_FALSE(detail_built);
  EXPECT_EQ(log.text(), "");
}

TEST(ProgressTest, AnUnknownTotalCountsWithoutAShare) {
  CapturedLog log;
  Progress progress("teacher", 0, "questions", std::chrono::milliseconds(0));
  progress.add(3);
  EXPECT_NE(log.text().find("teacher: 3 questions, 0 s"), std::string::npos) << log.text();
}

TEST(ProgressTest, CountsEveryAddFromEveryThread) {
  CapturedLog log;
  Progress progress("features", 200000, "pairs", std::chrono::milliseconds(1));
#pragma omp parallel for num_threads(2) schedule(dynamic, 64)
  for (int step = 0; step < 200000; ++step) progress.add();
  EXPECT_EQ(progress.done(), 200000u);
  // Lines never interleave: each one is whole.
  std::istringstream lines(log.text());
  std::string line;
  std::size_t count = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.rfind("features: ", 0), 0u) << line;
    ++count;
  }
  EXPECT_EQ(count, progress.lines_written());
}

TEST(ProgressTest, TheDefaultIntervalIsSettable) {
  const double before = Progress::interval_seconds();
  Progress::set_interval_seconds(-5);  // clamped: a negative interval means every add
  EXPECT_EQ(Progress::interval_seconds(), 0.0);
  {
    CapturedLog log;
    Progress progress("explain", 2, "decisions");
    progress.add();
    EXPECT_EQ(progress.lines_written(), 1u);
  }
  Progress::set_interval_seconds(1e300);  // clamped: a year
  EXPECT_EQ(Progress::interval_seconds(), 365.0 * 24 * 3600);
  Progress::set_interval_seconds(before);
  EXPECT_EQ(Progress::interval_seconds(), before);
}

}  // namespace
}  // namespace matchmaker
