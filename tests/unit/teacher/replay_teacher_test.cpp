#include "teacher/replay_teacher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "unit/io/temp_dir.h"
#include "matchmaker/error.h"

namespace matchmaker::teacher {
namespace {

// One query table (ids 0..3) and one reference table (ids 10..15); query q's candidates are the
// pairs built below, shown in the order given.
struct ReplayFixture : ::testing::Test {
  Table left{"left.csv", {"id", "name"}, 0};
  Table right{"right.csv", {"id", "name"}, 0};
  candidates::CandidatePairs pairs;
  io::testing::TempDir dir;

  void SetUp() override {
    for (int id = 0; id < 4; ++id) left.append_row(std::vector<std::string>{std::to_string(id), "q"});
    for (int id = 10; id < 16; ++id) right.append_row(std::vector<std::string>{std::to_string(id), "r"});
    // Every query gets right rows 0, 1, 2 (ids 10, 11, 12) as candidates.
    pairs.num_left = 4;
    pairs.num_right = 6;
    pairs.query_offsets = {0};
    for (std::uint32_t query = 0; query < 4; ++query) {
      for (std::uint32_t right_row = 0; right_row < 3; ++right_row) {
        pairs.left.push_back(query);
        pairs.right.push_back(right_row);
        pairs.score.push_back(1.0f - 0.1f * static_cast<float>(right_row));
        pairs.rank_in_left.push_back(static_cast<std::uint16_t>(right_row + 1));
        pairs.rank_in_right.push_back(1);
      }
      pairs.query_offsets.push_back(pairs.left.size());
    }
  }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir.path() / name).string();
    std::ofstream(path) << text;
    return path;
  }

  TeacherQuery question(std::uint32_t query) {
    return TeacherQuery{query, {query * 3ull, query * 3ull + 1, query * 3ull + 2}};
  }
};

TEST_F(ReplayFixture, AppliesTheReplayRule) {
  // q0: options known, picks [2] = id 11 (shown). q1: options known, picks id 15 (not shown) -> none.
  // q2: no options, answer == ground_answer -> ground_truth 12. q3: no options, wrong answer -> our
  // highest-ranked non-gold candidate (gold is 10, so 11).
  const auto responses = write("responses.json", R"({"responses": [
    {"query_id": 0, "answer": "[2]", "ground_truth": 11, "ground_answer": 2, "confidence": 0.9, "explanation": "same model"},
    {"query_id": 1, "answer": "[1]", "ground_truth": 15, "ground_answer": 1},
    {"query_id": 2, "answer": "[4]", "ground_truth": 12, "ground_answer": 4},
    {"query_id": 3, "answer": "[7]", "ground_truth": 10, "ground_answer": 2, "explanation": null}]})");
  const auto prompts = write("prompts.json", R"({"prompts": [
    {"query_id": 0, "options": [10, 11, 14]},
    {"query_id": 1, "options": [15, 12]}]})");
  const auto gold = write("gold.csv", "left_id,right_id\n0,11\n1,15\n2,12\n3,10\n");
  ReplayTeacher teacher("replay:test", {responses, prompts}, gold);
  const MatchProblem problem{&left, &right, &pairs, nullptr};
  const std::vector<TeacherQuery> questions = {question(0), question(1), question(2), question(3)};
  const auto answers = teacher.answer(problem, questions);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_TRUE(answers[0].answered);
  EXPECT_EQ(answers[0].chosen, 1);
  EXPECT_FLOAT_EQ(answers[0].confidence, 0.9f);
  EXPECT_EQ(answers[0].explanation, "same model");
  EXPECT_EQ(answers[0].judged, (std::vector<std::uint8_t>{1, 1, 0}));  // id 12 was never shown to the model
  EXPECT_EQ(answers[1].chosen, -1);
  EXPECT_EQ(answers[1].judged, (std::vector<std::uint8_t>{0, 0, 1}));
  EXPECT_EQ(answers[2].chosen, 2);
  EXPECT_TRUE(answers[2].judged.empty());
  EXPECT_EQ(answers[3].chosen, 1);
}

TEST_F(ReplayFixture, QueriesWithoutRecordingOrWithGarbageAreUnanswered) {
  const auto responses = write("responses.json", R"({"responses": [
    {"query_id": 0, "answer": "I think [1] or [2]"},
    {"query_id": 1, "answer": "[0]"}]})");
  ReplayTeacher teacher("replay:test", {responses}, "");
  const MatchProblem problem{&left, &right, &pairs, nullptr};
  const std::vector<TeacherQuery> questions = {question(0), question(1), question(2)};
  const auto answers = teacher.answer(problem, questions);
  EXPECT_FALSE(answers[0].answered);
  EXPECT_TRUE(answers[1].answered);
  EXPECT_EQ(answers[1].chosen, -1);
  EXPECT_FALSE(answers[2].answered);
}

TEST_F(ReplayFixture, OnlyRecordedQueriesAreAskable) {
  const auto responses = write("responses.json", R"({"responses": [
    {"query_id": 2, "answer": "[0]"},
    {"query_id": 0, "answer": "not an answer"},
    {"query_id": 99, "answer": "[1]"}]})");
  ReplayTeacher teacher("replay:test", {responses}, "");
  const MatchProblem problem{&left, &right, &pairs, nullptr};
  // Query 0's recording is unusable, but it is there: asking is the only way to find out, as with an LLM.
  EXPECT_EQ(teacher.askable(problem), (std::vector<std::uint8_t>{1, 0, 1, 0}));
}

TEST_F(ReplayFixture, APickMadeWithoutTheGoldRecordIsNotAskableWhenThatRecordIsACandidate) {
  // Every query's candidates are ids 10, 11, 12. ground_answer 0: the recorded list lacked the gold.
  const auto responses = write("responses.json", R"({"responses": [
    {"query_id": 0, "answer": "[3]", "ground_truth": 11, "ground_answer": 0},
    {"query_id": 1, "answer": "[3]", "ground_truth": 15, "ground_answer": 0},
    {"query_id": 2, "answer": "[0]", "ground_truth": 11, "ground_answer": 0},
    {"query_id": 3, "answer": "[3]", "ground_truth": -1, "ground_answer": 0}]})");
  ReplayTeacher teacher("replay:test", {responses}, "");
  const MatchProblem problem{&left, &right, &pairs, nullptr};
  // q0: its gold (11) is our candidate, and the pick cannot be replayed. q1: gold 15 is not a
  // candidate (a stand-in is a fair wrong pick). q2: a "none" stays usable. q3: no gold at all.
  EXPECT_EQ(teacher.askable(problem), (std::vector<std::uint8_t>{0, 1, 1, 1}));
  EXPECT_FALSE(teacher.answer(problem, std::vector<TeacherQuery>{question(0)})[0].answered);
}

TEST_F(ReplayFixture, BadFilesAreInputErrors) {
  EXPECT_THROW(ReplayTeacher("replay:", {}, ""), InputError);
  EXPECT_THROW(ReplayTeacher("replay:x", {(dir.path() / "missing.json").string()}, ""), InputError);
  const auto wrong_shape = write("other.json", R"({"something": []})");
  ReplayTeacher teacher("replay:x", {wrong_shape}, "");
  const MatchProblem problem{&left, &right, &pairs, nullptr};
  const std::vector<TeacherQuery> questions = {question(0)};
  EXPECT_THROW(teacher.answer(problem, questions), InputError);
}

TEST(DecideReplayTest, MapsRecordedChoicesOntoTheShownOrder) {
  ReplayRecording recording;
  recording.answer = 2;
  recording.confidence = 0.7f;
  recording.explanation = "same code";
  const std::vector<std::string> options = {"10", "11", "14"};
  // Shown in another order than recorded: the recorded [2] is id 11, our position 2.
  const std::vector<std::string> shown = {"12", "14", "11"};
  const auto decision = decide_replay(recording, &options, shown, {});
  EXPECT_TRUE(decision.answered);
  EXPECT_EQ(decision.chosen, 2);
  EXPECT_EQ(decision.judged, (std::vector<std::uint8_t>{0, 1, 1}));
  EXPECT_FLOAT_EQ(decision.confidence, 0.7f);
  EXPECT_EQ(decision.explanation, "same code");

  recording.answer = 4;  // beyond the recorded list: none, still an answer
  EXPECT_EQ(decide_replay(recording, &options, shown, {}).chosen, -1);
  recording.answer = -1;  // unparseable recording
  EXPECT_FALSE(decide_replay(recording, &options, shown, {}).answered);
}

TEST(DecideReplayTest, WithoutOptionsUsesGroundTruthOrAWrongStandIn) {
  ReplayRecording recording;
  recording.answer = 3;
  recording.ground_answer = 3;
  recording.ground_truth = "11";
  const std::vector<std::string> shown = {"10", "11", "12"};
  EXPECT_EQ(decide_replay(recording, nullptr, shown, {}).chosen, 1);
  EXPECT_TRUE(decide_replay(recording, nullptr, shown, {}).judged.empty());
  EXPECT_EQ(decide_replay(recording, nullptr, {"10", "12"}, {}).chosen, -1);  // gold not shown: none
  recording.answer = 1;  // wrong: first shown candidate that is neither gold nor ground_truth
  EXPECT_EQ(decide_replay(recording, nullptr, shown, {"10"}).chosen, 2);
  EXPECT_EQ(decide_replay(recording, nullptr, {"11", "10"}, {}).chosen, 1);
  EXPECT_EQ(decide_replay(recording, nullptr, {"11"}, {}).chosen, -1);
  recording.answer = 0;
  EXPECT_EQ(decide_replay(recording, nullptr, shown, {}).chosen, -1);
}

TEST(DecideReplayTest, AnAnswerDoesNotJudgeAGoldRecordTheRecordedModelNeverSaw) {
  // ground_answer 0: the recorded model's list lacked its gold record (ground_truth "11").
  ReplayRecording recording;
  recording.answer = 0;
  recording.ground_answer = 0;
  recording.ground_truth = "11";
  const std::vector<std::string> shown = {"10", "11", "12"};
  auto decision = decide_replay(recording, nullptr, shown, {"11"});
  EXPECT_TRUE(decision.answered);
  EXPECT_EQ(decision.chosen, -1);  // still "none" as a decision
  EXPECT_EQ(decision.judged, (std::vector<std::uint8_t>{1, 0, 1}));
  recording.answer = 2;  // a record picked from a list without the gold one, which we show: unusable
  EXPECT_FALSE(decide_replay(recording, nullptr, shown, {"11"}).answered);
  // Gold not shown, or no gold at all (-1): the answer judges everything it was shown, and a named
  // record is a wrong one (the stand-in).
  decision = decide_replay(recording, nullptr, {"10", "12"}, {"11"});
  EXPECT_TRUE(decision.answered);
  EXPECT_EQ(decision.chosen, 0);
  EXPECT_TRUE(decision.judged.empty());
  recording.ground_truth = "-1";
  recording.answer = 0;
  EXPECT_TRUE(decide_replay(recording, nullptr, shown, {}).judged.empty());
  // The gold record was on the recorded list (ground_answer > 0): a "none" judges it.
  recording.ground_truth = "11";
  recording.ground_answer = 2;
  EXPECT_TRUE(decide_replay(recording, nullptr, shown, {"11"}).judged.empty());
}

TEST_F(ReplayFixture, RecordingsLoadByShapeAndTheFirstFileWins) {
  const auto first = write("first.json", R"({"responses": [
    {"query_id": "a", "answer": "[1]", "confidence": 3},
    {"query_id": 7, "answer": "[99999999999]"}]})");
  const auto second = write("second.json", R"({"responses": [{"query_id": "a", "answer": "[2]"}]})");
  const auto prompts = write("prompts.json", R"({"prompts": [{"query_id": 7, "options": ["x", 5]}]})");
  const auto recordings = ReplayRecordings::load({first, second, prompts});
  EXPECT_EQ(recordings.num_recordings(), 2u);
  EXPECT_EQ(recordings.num_option_lists(), 1u);
  ASSERT_NE(recordings.recording("a"), nullptr);
  EXPECT_EQ(recordings.recording("a")->answer, 1);
  EXPECT_FLOAT_EQ(recordings.recording("a")->confidence, 1.0f);  // clamped
  EXPECT_GT(recordings.recording("7")->answer, 2);                // huge, not overflowed
  EXPECT_EQ(recordings.recording("b"), nullptr);
  EXPECT_EQ(*recordings.options("7"), (std::vector<std::string>{"x", "5"}));
  EXPECT_EQ(recordings.options("a"), nullptr);
  const auto no_id = write("no_id.json", R"({"responses": [{"answer": "[1]"}]})");
  EXPECT_THROW(ReplayRecordings::load({no_id}), InputError);
  const auto not_json = write("bad.json", "{");
  EXPECT_THROW(ReplayRecordings::load({not_json}), InputError);
}

TEST(MakeTeacherTest, SpecsBuildTheirTeacherAndUnknownOnesListTheValid) {
  EXPECT_EQ(make_teacher("unsupervised")->spec(), "unsupervised");
  try {
    make_teacher("gpt4");
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("replay:FILE"), std::string::npos);
  }
}

TEST(MakeTeacherTest, ABatchTeacherWithoutItsRequestsFileIsRefusedNotAskedLive) {
  // A task that forgot to name the file must not fall back to live calls at the full price.
  EXPECT_THROW(make_teacher("batch:gpt-x", TeacherOptions{}), std::logic_error);
  EXPECT_THROW(make_teacher("majority:batch:a|batch:b", TeacherOptions{}), std::logic_error);
}

}  // namespace
}  // namespace matchmaker::teacher
