// LLM output and recorded answers are untrusted: thousands of damaged variants of real replies and
// of a real recording file must parse to a valid verdict or be refused as bad input, never crash or
// throw anything else (the ASan/UBSan build runs these too).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "teacher/answer_parser.h"
#include "teacher/replay_teacher.h"
#include "unit/mutated_input.h"

namespace matchmaker::teacher {
namespace {

constexpr int kVariants = 3000;

// Replies in the shapes models really send: the schema's JSON, fenced JSON with a <think> block,
// plain "[n]" text, a refusal, and a pairwise verdict.
const std::string kSelectReplies[] = {
    R"({"answer": "[3]", "explanation": "Same model number EZXS88W; [5] is the 16-port one.", "confidence": 0.92})",
    "<think>[2] or [3]? The code matches [3].</think>\n```json\n{\"answer\": 3, \"explanation\": \"Caf\xC3\xA9\"}\n```",
    "The answer is [0]: none of the candidates is the same product.",
    "I'm sorry, but I cannot help with that.",
};
const std::string kPairwiseReply = R"({"match": "yes", "explanation": "Both are the Bose 161.", "confidence": "0.8"})";

TEST(MutatedAnswer, SelectRepliesGiveAValidVerdictOrNone) {
  matchmaker::testing::InputMutator mutator(7);
  int accepted = 0, refused = 0;
  for (int variant = 0; variant < kVariants; ++variant) {
    const std::string& valid = kSelectReplies[static_cast<std::size_t>(variant) % std::size(kSelectReplies)];
    const std::string reply = mutator.mutate(valid);
    const SelectParse parsed = parse_select_answer(reply, 5);
    SCOPED_TRACE("variant " + std::to_string(variant));
    if (parsed.status == SelectParseStatus::kOk) {
      EXPECT_GE(parsed.chosen, 0);
      EXPECT_LT(parsed.chosen, 5);
    } else {
      EXPECT_EQ(parsed.chosen, -1);
    }
    EXPECT_TRUE(std::isnan(parsed.confidence) || (parsed.confidence >= 0.0f && parsed.confidence <= 1.0f));
    EXPECT_LE(parsed.explanation.size(), kMaxExplanationBytes);
    (parsed.accepted() ? accepted : refused) += 1;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

TEST(MutatedAnswer, PairwiseRepliesGiveAValidVerdictOrNone) {
  matchmaker::testing::InputMutator mutator(8);
  int accepted = 0, refused = 0;
  for (int variant = 0; variant < kVariants; ++variant) {
    const PairwiseParse parsed = parse_pairwise_answer(mutator.mutate(kPairwiseReply));
    EXPECT_TRUE(std::isnan(parsed.confidence) || (parsed.confidence >= 0.0f && parsed.confidence <= 1.0f));
    EXPECT_LE(parsed.explanation.size(), kMaxExplanationBytes);
    (parsed.accepted() ? accepted : refused) += 1;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

TEST(MutatedAnswer, RecordingFilesLoadOrAreInputErrors) {
  const io::testing::TempDir dir;
  // DistillER's response and prompt shapes (../shared/data/er/distiller), ids as numbers and strings.
  const std::string valid =
      R"({"settings": {"dataset": "D2"}, "responses": [)"
      R"({"query_id": 2, "ground_truth": 4231, "ground_answer": 0, "answer": "[0]", "explanation": "None match.", "confidence": 1.0},)"
      R"({"query_id": "3", "ground_truth": -1, "ground_answer": "1", "answer": "[1]", "explanation": "Same title.", "confidence": 0.5}]})";
  const std::string prompts = R"({"prompts": [{"query_id": 2, "options": [17, "18", 19]}]})";
  const int variants = 500;  // of each file
  matchmaker::testing::expect_read_or_refused(dir, "responses.json", valid,
                                              [](const std::string& path) { ReplayRecordings::load({path}); }, variants);
  matchmaker::testing::expect_read_or_refused(dir, "prompts.json", prompts,
                                              [](const std::string& path) { ReplayRecordings::load({path}); }, variants);
}

}  // namespace
}  // namespace matchmaker::teacher
