#include "eval/gold.h"

#include <gtest/gtest.h>

#include "io/table_reader.h"
#include "matchmaker/error.h"
#include "unit/io/temp_dir.h"
#include "unit/mutated_input.h"

namespace matchmaker::eval {
namespace {

Table read_left(const io::testing::TempDir& dir) {
  io::TableReadOptions options;
  options.path = dir.write("left.csv", "id,name\nq1,alpha\nq2,beta\nq3,gamma\nq4,delta\n");
  return io::read_table(options);
}

Table read_right(const io::testing::TempDir& dir, const std::string& csv) {
  io::TableReadOptions options;
  options.path = dir.write("right.csv", csv);
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
  const EvalQueries listed = read_eval_queries(dir.write("ids.txt", "\xEF\xBB\xBFq4\r\nq2\n\nq4\n"), left);
  EXPECT_EQ(listed.rows, (std::vector<std::uint32_t>{1, 3}));
  EXPECT_FALSE(listed.has_ground_answers);
  EXPECT_TRUE(listed.blocking_missed.empty());

  // A byte order mark before the JSON as well.
  const EvalQueries partial = read_eval_queries(dir.write("partial.json", "\xEF\xBB\xBF" R"({"responses": [
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
    EXPECT_NE(std::string(error.what()).find(path + ": responses[0].query_id 'q9' is not in"), std::string::npos)
        << error.what();
  }
  // In a list of ids, the line (a blank line counts).
  const std::string list = dir.write("ids.txt", "q1\n\nq9\n");
  try {
    read_eval_queries(list, left);
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(list + ":3: query id 'q9' is not in"), std::string::npos) << error.what();
  }
}

// A gold file without a header lost its first pair (read as the header) without a word.
TEST(GoldTest, AFirstLineOfTwoIdsIsRefusedNotTakenForAHeader) {
  io::testing::TempDir dir;
  const Table left = read_left(dir);
  const Table right = read_right(dir, "id,name\nr1,alpha\nr2,beta\n");
  EXPECT_EQ(read_gold(dir.write("gold.csv", "left,right\nq1,r1\nq2,r2\n"), left, right, false).size(), 2u);
  try {
    read_gold(dir.write("bare.csv", "q1,r1\nq2,r2\n"), left, right, false);
    FAIL() << "a headerless gold file was read";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), dir.file("bare.csv") + ":1: 'q1,r1' is a record, not a header: it would be "
                                                                "lost; add a header line such as left_id,right_id");
  }
}

// A Magellan / DeepMatcher split (ltable_id,rtable_id,label) lists non-matches too: its label-0 rows
// were read as matches (Abt-Buy's test.csv: pair F1 0.12 for 0.90).
TEST(GoldTest, ALabelColumnSeparatesMatchesFromKnownNonMatches) {
  io::testing::TempDir dir;
  const Table left = read_left(dir);
  const Table right = read_right(dir, "id,name\nr1,alpha\nr2,beta\nr3,gamma\n");
  const GoldPairs split = read_gold_pairs(
      dir.write("test.csv", "ltable_id,rtable_id,Label\nq1,r1,1\nq1,r2,0\nq2,r2,true\nq3,r1,FALSE\nq3,r1,0\n"), left, right,
      false);
  EXPECT_TRUE(split.labelled);
  EXPECT_EQ(split.matches, (std::vector<RowPair>{{0, 0}, {1, 1}}));
  EXPECT_EQ(split.non_matches, (std::vector<RowPair>{{0, 1}, {2, 0}}));
  EXPECT_EQ(read_gold(dir.file("test.csv"), left, right, false), split.matches);

  // Without a label column every row is a match, whatever its other columns hold.
  const GoldPairs plain = read_gold_pairs(dir.write("plain.csv", "left,right,score\nq1,r1,0\nq2,r2,0.5\n"), left, right, false);
  EXPECT_FALSE(plain.labelled);
  EXPECT_EQ(plain.matches.size(), 2u);
  EXPECT_TRUE(plain.non_matches.empty());

  EXPECT_THROW(read_gold_pairs(dir.write("both.csv", "ltable_id,rtable_id,label\nq1,r1,1\nq1,r1,0\n"), left, right, false),
               InputError);
  try {
    read_gold_pairs(dir.write("bad.csv", "ltable_id,rtable_id,label\nq1,r1,1\nq2,r2,maybe\n"), left, right, false);
    FAIL() << "a label that is none was read";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), dir.file("bad.csv") + ":3: label 'maybe' is not 1 or 0");
  }
}

// Damaged gold files and query lists are read or refused as bad input naming the file, never anything
// else (a response that is not an object, or lacks its query_id, escaped as a JSON type error).
TEST(EvalQueriesTest, DamagedGoldAndQueryFilesAreReadOrRefused) {
  io::testing::TempDir dir;
  const Table left = read_left(dir);
  const Table right = read_right(dir, "id,name\nr1,alpha\n\"r,2\",beta\n");
  matchmaker::testing::expect_read_or_refused(dir, "gold.csv", "left,right\r\nq1,r1\r\nq2,\"r,2\"\r\nq1,\"r,2\"\r\n",
                                              [&](const std::string& path) { read_gold(path, left, right, false); });
  matchmaker::testing::expect_read_or_refused(
      dir, "responses.json",
      R"({"settings": {"seed": 1924}, "responses": [{"query_id": "q3", "answer": "[0]", "ground_answer": 0},)"
      R"( {"query_id": "q1", "ground_truth": 4231, "ground_answer": "2", "confidence": 1.0}]})",
      [&](const std::string& path) { read_eval_queries(path, left); });
  matchmaker::testing::expect_read_or_refused(dir, "ids.txt", "q4\r\nq2\n\nq1\n",
                                              [&](const std::string& path) { read_eval_queries(path, left); });
}

}  // namespace
}  // namespace matchmaker::eval
