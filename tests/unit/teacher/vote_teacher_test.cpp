#include "teacher/vote_teacher.h"

#include <gtest/gtest.h>

#include "matchmaker/error.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::teacher {
namespace {

// A teacher that answers from a script: per query, the chosen index (-1 none, -2 no answer) and a confidence.
class ScriptedTeacher final : public Teacher {
 public:
  ScriptedTeacher(std::vector<int> choices, std::vector<float> confidences, std::vector<std::uint8_t> judged = {},
                  std::vector<std::uint8_t> askable = {})
      : choices_(std::move(choices)), confidences_(std::move(confidences)), judged_(std::move(judged)),
        askable_(std::move(askable)) {}
  std::string spec() const override { return "scripted"; }
  std::vector<std::uint8_t> askable(const MatchProblem&) override { return askable_; }
  std::vector<TeacherAnswer> answer(const MatchProblem&, std::span<const TeacherQuery> queries) override {
    std::vector<TeacherAnswer> answers;
    for (std::size_t idx = 0; idx < queries.size(); ++idx) {
      TeacherAnswer answer;
      answer.query = queries[idx].query;
      answer.answered = choices_[idx] != -2;
      answer.chosen = choices_[idx] == -2 ? -1 : choices_[idx];
      answer.confidence = confidences_[idx];
      answer.judged = judged_;
      answers.push_back(answer);
    }
    return answers;
  }

 private:
  std::vector<int> choices_;
  std::vector<float> confidences_;
  std::vector<std::uint8_t> judged_;
  std::vector<std::uint8_t> askable_;
};

std::vector<TeacherQuery> three_queries() {
  return {TeacherQuery{0, {0, 1, 2}}, TeacherQuery{1, {3, 4, 5}}, TeacherQuery{2, {6, 7, 8}}};
}

std::unique_ptr<Teacher> scripted(std::vector<int> choices, std::vector<float> confidences,
                                  std::vector<std::uint8_t> judged = {}) {
  return std::make_unique<ScriptedTeacher>(std::move(choices), std::move(confidences), std::move(judged));
}

TEST(VoteTeacherTest, MajorityWinsAndAbstentionsDoNotCount) {
  std::vector<std::unique_ptr<Teacher>> teachers;
  teachers.push_back(scripted({0, 1, -2}, {0.9f, 0.9f, 0.9f}));
  teachers.push_back(scripted({0, -1, -2}, {0.6f, 0.8f, 0.9f}));
  teachers.push_back(scripted({2, -1, -2}, {1.0f, 0.5f, 0.9f}));
  VoteTeacher vote("majority:test", VoteRule::kMajority, std::move(teachers));
  const auto queries = three_queries();
  const auto answers = vote.answer(MatchProblem{}, queries);
  EXPECT_EQ(answers[0].chosen, 0);
  EXPECT_NEAR(answers[0].confidence, 2.0 / 3.0, 1e-6);
  EXPECT_EQ(answers[1].chosen, -1);  // two votes for "none" beat one for candidate 1
  EXPECT_FALSE(answers[2].answered);  // nobody answered
  const auto report = vote.report();
  EXPECT_EQ(report["voted_queries"], 2);
  EXPECT_DOUBLE_EQ(report["unanimous_share"].get<double>(), 0.0);
}

TEST(VoteTeacherTest, WeightedVotesFollowConfidence) {
  std::vector<std::unique_ptr<Teacher>> teachers;
  teachers.push_back(scripted({0, 0, 0}, {0.3f, 0.3f, 0.3f}));
  teachers.push_back(scripted({0, 0, 0}, {0.3f, 0.3f, 0.3f}));
  teachers.push_back(scripted({1, 0, 0}, {0.9f, 0.9f, 0.9f}));
  VoteTeacher vote("weighted:test", VoteRule::kWeighted, std::move(teachers));
  const auto queries = three_queries();
  const auto answers = vote.answer(MatchProblem{}, queries);
  EXPECT_EQ(answers[0].chosen, 1);  // 0.9 outweighs 0.3 + 0.3
  EXPECT_EQ(answers[1].chosen, 0);
}

TEST(VoteTeacherTest, EvenSplitFallsBackToNoneAndJudgedIsTheUnion) {
  std::vector<std::unique_ptr<Teacher>> teachers;
  teachers.push_back(scripted({1, 1, 1}, {0.8f, 0.8f, 0.8f}, {1, 1, 0}));
  teachers.push_back(scripted({-1, -1, -1}, {0.8f, 0.8f, 0.8f}, {0, 1, 0}));
  VoteTeacher vote("majority:test", VoteRule::kMajority, std::move(teachers));
  const auto queries = three_queries();
  const auto answers = vote.answer(MatchProblem{}, queries);
  EXPECT_EQ(answers[0].chosen, -1);
  EXPECT_EQ(answers[0].judged, (std::vector<std::uint8_t>{1, 1, 0}));
}

TEST(VoteTeacherTest, AQueryIsAskableWhenAnyTeacherCanAnswerIt) {
  auto vote_of = [](std::vector<std::uint8_t> first, std::vector<std::uint8_t> second) {
    std::vector<std::unique_ptr<Teacher>> teachers;
    teachers.push_back(std::make_unique<ScriptedTeacher>(std::vector<int>{}, std::vector<float>{}, std::vector<std::uint8_t>{}, std::move(first)));
    teachers.push_back(std::make_unique<ScriptedTeacher>(std::vector<int>{}, std::vector<float>{}, std::vector<std::uint8_t>{}, std::move(second)));
    return VoteTeacher("majority:test", VoteRule::kMajority, std::move(teachers));
  };
  EXPECT_EQ(vote_of({1, 0, 0}, {0, 0, 1}).askable(MatchProblem{}), (std::vector<std::uint8_t>{1, 0, 1}));
  EXPECT_TRUE(vote_of({1, 0, 0}, {}).askable(MatchProblem{}).empty());  // the second answers every query
}

TEST(VoteTeacherTest, NeedsTwoTeachersAndSpecsAreChecked) {
  std::vector<std::unique_ptr<Teacher>> one;
  one.push_back(scripted({0}, {1.0f}));
  EXPECT_THROW(VoteTeacher("majority:x", VoteRule::kMajority, std::move(one)), InputError);
  io::testing::TempDir dir;
  const std::string recording = dir.write("a.json", R"({"responses": []})");
  EXPECT_NO_THROW(check_teacher_spec("majority:unsupervised|replay:" + recording));
  // A recording that cannot be read is bad input before any work (it was found when first asked).
  EXPECT_THROW(check_teacher_spec("majority:unsupervised|replay:" + dir.file("missing.json")), InputError);
  EXPECT_THROW(check_teacher_spec("majority:unsupervised"), InputError);
  EXPECT_THROW(check_teacher_spec("weighted:unsupervised|gpt"), InputError);
}

}  // namespace
}  // namespace matchmaker::teacher
