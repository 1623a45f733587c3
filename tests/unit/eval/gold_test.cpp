#include "eval/gold.h"

#include <gtest/gtest.h>

#include "io/table_reader.h"
#include "unit/io/temp_dir.h"
#include "matchmaker/error.h"

namespace matchmaker::eval {
namespace {

Table read_left(const io::testing::TempDir& dir) {
  io::TableReadOptions options;
  options.path = dir.write("left.csv", "id,name\nq1,alpha\nq2,beta\nq3,gamma\nq4,delta\n");
  return io::read_table(options);
}

TEST(EvalQueriesTest, DistillerResponsesMarkTheQueriesWhoseGoldItsBlockingMissed) {
  io::testing::TempDir dir;
  const Table left = read_left(dir);
  // ground_answer as DistillER writes it: a number or a numeric string; 0 = no gold among its candidates.
  const EvalQueries queries = read_eval_queries(dir.write("responses.json", R"({"responses": [
    {"query_id": "q3", "answer": "[0]", "ground_answer": 0},
    {"query_id": "q1", "answer": "[2]", "ground_answer": "2"},
    {"query_id": "q2", "answer": "[1]", "ground_answer": "0"},
    {"query_id": "q4", "answer": "[1]", "ground_answer": 0.0}]})"), left);
  EXPECT_EQ(queries.rows, (std::vector<std::uint32_t>{0, 1, 2, 3}));
  EXPECT_TRUE(queries.has_ground_answers);
  EXPECT_EQ(queries.blocking_missed, (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST(EvalQueriesTest, AnIdListOrAResponseWithoutGroundAnswerGivesNoDistillerRule) {
  io::testing::TempDir dir;
  const Table left = read_left(dir);
  const EvalQueries listed = read_eval_queries(dir.write("ids.txt", "q4\r\nq2\n\nq4\n"), left);
  EXPECT_EQ(listed.rows, (std::vector<std::uint32_t>{1, 3}));
  EXPECT_FALSE(listed.has_ground_answers);
  EXPECT_TRUE(listed.blocking_missed.empty());

  const EvalQueries partial = read_eval_queries(dir.write("partial.json", R"({"responses": [
    {"query_id": "q1", "ground_answer": 0}, {"query_id": "q2"}]})"), left);
  EXPECT_FALSE(partial.has_ground_answers);
  EXPECT_TRUE(partial.blocking_missed.empty());
}

TEST(EvalQueriesTest, AnUnknownQueryIdIsAnInputErrorNamingTheFile) {
  io::testing::TempDir dir;
  const Table left = read_left(dir);
  const std::string path = dir.write("responses.json", R"({"responses": [{"query_id": "q9", "ground_answer": 1}]})");
  try {
    read_eval_queries(path, left);
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("'q9'"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace matchmaker::eval
