#include "teacher/sft_export.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "teacher/answer_parser.h"
#include "teacher/prompt.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::teacher {
namespace {

TEST(SftExportTest, AssistantAnswerNamesTheChosenCandidateInTheShuffledPrompt) {
  Table left("l.csv", {"id", "name"}, 0);
  Table right("r.csv", {"id", "name"}, 0);
  left.append_row(std::vector<std::string>{"q1", "sony kdl-40v4100"});
  left.append_row(std::vector<std::string>{"q2", "garden hose"});
  for (const char* name : {"samsung tv", "sony kdl40v4100 bravia", "lg tv", "philips tv"}) {
    right.append_row(std::vector<std::string>{std::string("r") + name[0] + std::to_string(right.num_rows()), name});
  }
  candidates::CandidatePairs pairs;
  pairs.num_left = 2;
  pairs.num_right = 4;
  pairs.left = {0, 0, 0, 0, 1};
  pairs.right = {0, 1, 2, 3, 0};
  pairs.score = {0.5f, 0.9f, 0.4f, 0.3f, 0.1f};
  pairs.rank_in_left = {2, 1, 3, 4, 1};
  pairs.rank_in_right = {1, 1, 1, 1, 2};
  pairs.query_offsets = {0, 4, 5};
  const MatchProblem problem{&left, &right, &pairs, nullptr};
  const std::vector<TeacherQuery> queries = {TeacherQuery{0, {1, 0, 2, 3}}, TeacherQuery{1, {4}}};
  std::vector<TeacherAnswer> answers(2);
  answers[0] = TeacherAnswer{0, true, 0, 0.9f, "same model code", {}};  // shown[0] = pair 1 = "sony kdl40v4100 bravia"
  answers[1] = TeacherAnswer{1, false, -1, 0.0f, "", {}};                // unanswered: left out

  io::testing::TempDir dir;
  const std::string path = dir.file("sft.jsonl");
  {
    io::AtomicFile file(path);
    EXPECT_EQ(write_sft_dataset(file, problem, queries, answers, "unsupervised", 7), 1u);
    file.commit();
  }
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_FALSE(std::getline(in, line) && !line.empty());
  in.clear();
  in.seekg(0);
  std::getline(in, line);
  const auto record = nlohmann::json::parse(line);
  EXPECT_EQ(record["query_id"], "q1");
  const auto& messages = record["messages"];
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[2]["role"], "assistant");
  const SelectParse parse = parse_select_answer(messages[2]["content"].get<std::string>(), 4);
  ASSERT_EQ(parse.status, SelectParseStatus::kOk);
  // The prompt shows shown[order[p]] at position p: the answer must point at the chosen candidate.
  const auto order = question_order(0, 4, 7);
  EXPECT_EQ(order[static_cast<std::size_t>(parse.chosen)], 0u);
  EXPECT_NE(messages[1]["content"].get<std::string>().find("sony kdl40v4100 bravia"), std::string::npos);
}

}  // namespace
}  // namespace matchmaker::teacher
