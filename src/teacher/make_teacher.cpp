#include <cstdlib>

#include "matchmaker/error.h"
#include "teacher/llm_teacher.h"
#include "teacher/replay_teacher.h"
#include "teacher/teacher.h"
#include "teacher/unsupervised_teacher.h"

namespace matchmaker::teacher {
namespace {

constexpr const char* kReplayPrefix = "replay:";
constexpr const char* kOpenAiPrefix = "openai:";

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

std::vector<std::string> split_files(const std::string& list) {
  std::vector<std::string> files;
  for (std::size_t start = 0; start <= list.size();) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) files.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return files;
}

}  // namespace

void check_teacher_spec(const std::string& spec) {
  if (spec == UnsupervisedTeacher::kSpec) return;
  if (starts_with(spec, kReplayPrefix) && spec.size() > std::string(kReplayPrefix).size()) return;
  if (starts_with(spec, kOpenAiPrefix) && spec.size() > std::string(kOpenAiPrefix).size()) return;
  throw InputError("unknown teacher '" + spec +
                   "'; valid teachers: unsupervised, openai:MODEL, replay:FILE[,FILE...], none");
}

std::unique_ptr<Teacher> make_teacher(const std::string& spec, const TeacherOptions& options) {
  check_teacher_spec(spec);
  if (spec == UnsupervisedTeacher::kSpec) return std::make_unique<UnsupervisedTeacher>();
  if (starts_with(spec, kReplayPrefix)) {
    return std::make_unique<ReplayTeacher>(spec, split_files(spec.substr(std::string(kReplayPrefix).size())),
                                           options.replay_gold);
  }
  ChatConfig config = ChatConfig::from_env(spec.substr(std::string(kOpenAiPrefix).size()));
  config.timeout_seconds = options.timeout_seconds;
  config.max_tokens = options.max_answer_tokens;
  config.max_retries = options.max_retries;
  BudgetCaps caps;
  caps.max_calls = options.max_calls;
  caps.max_tokens = options.max_tokens;
  caps.max_usd = options.max_usd;
  LlmTeacherSettings settings;
  settings.concurrency = options.concurrency;
  settings.seed = options.seed;
  return std::make_unique<LlmTeacher>(
      spec, std::move(config), caps,
      ModelPrice{options.usd_per_million_prompt_tokens, options.usd_per_million_completion_tokens}, settings,
      options.cache);
}

}  // namespace matchmaker::teacher
