#include "report/sweep_report.h"

#include <gtest/gtest.h>

#include <string>

#include "matchmaker/error.h"

namespace matchmaker::report {
namespace {

using nlohmann::json;

json cell(double f1, double accuracy, double calls) {
  return {{"f1", f1}, {"query_accuracy", accuracy}, {"teacher_calls", calls}};
}

// What bench/er_distiller --sweep writes, shares in the order a JSON object may hold them.
json bench_output() {
  return {{"benchmark", "er_distiller"},
          {"teacher", "replay qwen_32:qwen2_5_32b"},
          {"options", {"--selection", "uncertainty"}},
          {"seeds", {1, 2}},
          {"sweep",
           {{"D2", {{"1", cell(0.95, 0.94, 1064)}, {"0", cell(0.90, 0.80, 106)}, {"0.1", cell(0.92, 0.85, 212)}}},
            {"D5", {{"1", cell(0.70, 0.60, 5117)}, {"0", cell(0.80, 0.70, 511)}, {"0.1", cell(0.82, 0.72, 1022)}}}}}};
}

std::string error_of(const json& bench) {
  try {
    sweep_report_html(bench, "bench.json");
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(SweepReport, PlotsEachDataSetAndTheMeanByIncreasingShare) {
  const std::string html = sweep_report_html(bench_output(), "bench.json");
  EXPECT_NE(html.find("\"labels\":[\"0%\",\"10%\",\"100%\"]"), std::string::npos);
  EXPECT_NE(html.find("{\"backgroundColor\":\"#4c78a8\",\"borderColor\":\"#4c78a8\",\"data\":[0.8,0.85,0.94],\"label\":\"D2\"}"),
            std::string::npos);
  EXPECT_NE(html.find("\"data\":[0.75,0.785,0.77],\"label\":\"mean\""), std::string::npos);
  EXPECT_NE(html.find("<td>0.900 / 0.800 (106)</td>"), std::string::npos);
  EXPECT_NE(html.find("teacher replay qwen_32:qwen2_5_32b; options --selection uncertainty; mean of seeds [1,2]"),
            std::string::npos);
}

TEST(SweepReport, RefusesWhatIsNoSweepNamingTheFile) {
  EXPECT_NE(error_of({{"datasets", json::object()}}).find("bench.json: no \"sweep\" object"), std::string::npos);
  json bad_share = bench_output();
  bad_share["sweep"]["D2"]["half"] = cell(0.9, 0.8, 1);
  EXPECT_NE(error_of(bad_share).find("bench.json: sweep.D2: 'half' is not a share"), std::string::npos);
  json other_shares = bench_output();
  other_shares["sweep"]["D5"].erase("0.1");
  EXPECT_NE(error_of(other_shares).find("sweep.D5 has other shares than sweep.D2"), std::string::npos);
  json no_score = bench_output();
  no_score["sweep"]["D2"]["0"].erase("query_accuracy");
  EXPECT_NE(error_of(no_score).find("sweep.D2.0 has no number 'query_accuracy'"), std::string::npos);
}

}  // namespace
}  // namespace matchmaker::report
