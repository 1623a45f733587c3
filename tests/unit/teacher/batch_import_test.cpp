#include "teacher/batch_import.h"

#include <gtest/gtest.h>

#include <string>

#include "matchmaker/error.h"
#include "teacher/teacher.h"
#include "unit/io/temp_dir.h"
#include "unit/mutated_input.h"
#include "workspace/workspace.h"

namespace matchmaker::teacher {
namespace {

using io::testing::TempDir;

// One line of an OpenAI Batch API output file, as the API writes it.
std::string result_line(const std::string& custom_id, const std::string& content, int status = 200) {
  return R"({"id": "batch_req_1", "custom_id": ")" + custom_id + R"(", "response": {"status_code": )" +
         std::to_string(status) +
         R"(, "request_id": "r1", "body": {"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, )"
         R"("message": {"role": "assistant", "content": )" + content +
         R"(}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 1211, "completion_tokens": 31}}}, "error": null})";
}

TEST(BatchImportTest, StoresEachAnsweredRequestAndCountsTheRest) {
  TempDir dir;
  auto cache = workspace::Workspace::open(dir.file("ws.db"));
  const std::string results = dir.write(
      "output.jsonl",
      result_line("key-a", R"("{\"answer\": \"[2]\", \"explanation\": \"Same code GS116.\"}")") + "\n" +
          // A request the API failed: no response, an error.
          R"({"id": "batch_req_2", "custom_id": "key-b", "response": null, "error": {"code": "server_error", "message": "x"}})" +
          "\r\n\n" + result_line("key-c", R"("[0]")", 500) + "\n" +
          // Shapes no live call would accept either: a status as text, a message that is not an object.
          R"({"custom_id": "key-d", "response": {"status_code": "200", "body": {"choices": []}}})" + "\n" +
          R"({"custom_id": "key-e", "response": {"status_code": 200, "body": {"choices": [{"message": "[1]"}]}}})" + "\n" +
          result_line("key-f", "null") + "\n" + result_line("key-g", R"("[0]")"));
  const BatchImportReport report = import_batch_results(results, cache, "openai:gpt-4o-mini");
  EXPECT_EQ(report.lines, 7u);
  EXPECT_EQ(report.stored, 2u);
  EXPECT_EQ(report.failed, 5u);
  const auto stored = cache.find_answer("openai:gpt-4o-mini", "key-a");
  ASSERT_TRUE(stored.has_value());
  // The assistant's text byte for byte: it is parsed, as strictly as a live answer, when used.
  EXPECT_EQ(stored->raw, R"({"answer": "[2]", "explanation": "Same code GS116."})");
  EXPECT_TRUE(cache.find_answer("openai:gpt-4o-mini", "key-g").has_value());
  for (const char* missing : {"key-b", "key-c", "key-d", "key-e", "key-f"}) {
    EXPECT_FALSE(cache.find_answer("openai:gpt-4o-mini", missing).has_value()) << missing;
  }
  EXPECT_FALSE(cache.find_answer("openai:other-model", "key-a").has_value());
}

TEST(BatchImportTest, ALineThatIsNoResultIsAnInputErrorNamingItsLine) {
  TempDir dir;
  auto cache = workspace::Workspace::open(dir.file("ws.db"));
  for (const auto& [contents, line] : {std::pair<std::string, int>{result_line("k", R"("[1]")") + "\n{not json\n", 2},
                                       {"\n" + std::string(R"({"response": {"status_code": 200}})") + "\n", 2},
                                       {R"(["custom_id", "k"])", 1}}) {
    const std::string path = dir.write("output.jsonl", contents);
    try {
      import_batch_results(path, cache, "openai:m");
      ADD_FAILURE() << "no InputError for: " << contents;
    } catch (const InputError& error) {
      EXPECT_EQ(std::string(error.what()).rfind(path + ":" + std::to_string(line) + ": ", 0), 0u) << error.what();
    }
  }
}

TEST(BatchImportTest, DamagedResultFilesAreImportedOrRefused) {
  TempDir dir;
  auto cache = workspace::Workspace::open(dir.file("ws.db"));
  const std::string valid = result_line("key-a", R"("{\"answer\": \"[2]\"}")") + "\n" + result_line("key-b", R"("[0]")", 429);
  matchmaker::testing::expect_read_or_refused(
      dir, "output.jsonl", valid, [&](const std::string& path) { import_batch_results(path, cache, "openai:m"); }, 300);
}

TEST(BatchSpecTest, EveryOpenAiTeacherBecomesItsBatchCounterpart) {
  EXPECT_EQ(batch_spec_of("openai:gpt-4o-mini"), "batch:gpt-4o-mini");
  EXPECT_EQ(batch_spec_of("majority:openai:a|openai:b"), "majority:batch:a|batch:b");
  EXPECT_EQ(batch_spec_of("weighted:openai:a|unsupervised"), "weighted:batch:a|unsupervised");
  EXPECT_EQ(batch_spec_of("unsupervised"), "");
  EXPECT_EQ(batch_spec_of("batch:gpt-4o-mini"), "");
  // A recording's path is no teacher: only each single teacher's own prefix counts.
  EXPECT_EQ(batch_spec_of("majority:openai:a|replay:/data/openai:x.json"), "majority:batch:a|replay:/data/openai:x.json");
  EXPECT_EQ(batch_spec_of("replay:/data/openai:x.json"), "");
}

TEST(TeacherSpecTest, KindsAreTakenFromEachTeachersPrefixNotFromTextInPaths) {
  EXPECT_TRUE(calls_llm("openai:gpt-4o"));
  EXPECT_TRUE(calls_llm("majority:replay:a.json|batch:m|unsupervised"));
  EXPECT_FALSE(calls_llm("replay:/data/openai:runs/batch:1.json"));
  EXPECT_TRUE(exports_batch("weighted:openai:a|batch:b"));
  EXPECT_FALSE(exports_batch("replay:/data/batch:1.json"));
  EXPECT_FALSE(exports_batch("openai:batch:model"));  // a model name, not a batch teacher
  EXPECT_TRUE(uses_simulated_teacher("simulated:0.1"));
  EXPECT_TRUE(uses_simulated_teacher("majority:simulated:0.1|simulated:0.2|unsupervised"));
  EXPECT_FALSE(uses_simulated_teacher("replay:/data/simulated:1.json"));
  EXPECT_FALSE(uses_simulated_teacher("unsupervised"));
}

}  // namespace
}  // namespace matchmaker::teacher
