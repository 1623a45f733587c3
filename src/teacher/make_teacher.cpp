#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "matchmaker/error.h"
#include "teacher/llm_teacher.h"
#include "teacher/replay_teacher.h"
#include "teacher/simulated_teacher.h"
#include "teacher/teacher.h"
#include "teacher/unsupervised_teacher.h"
#include "teacher/vote_teacher.h"

namespace matchmaker::teacher {
namespace {

constexpr const char* kReplayPrefix = "replay:";
constexpr const char* kOpenAiPrefix = "openai:";
constexpr const char* kBatchPrefix = "batch:";
constexpr const char* kMajorityPrefix = "majority:";
constexpr const char* kWeightedPrefix = "weighted:";
constexpr char kVoteSeparator = '|';

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

std::vector<std::string> split(const std::string& list, char separator) {
  std::vector<std::string> parts;
  for (std::size_t start = 0; start <= list.size();) {
    const std::size_t end = std::min(list.find(separator, start), list.size());
    if (end > start) parts.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// The sub-specs of a vote spec, or nothing when `spec` is no vote.
std::optional<std::vector<std::string>> vote_members(const std::string& spec) {
  for (const char* prefix : {kMajorityPrefix, kWeightedPrefix}) {
    if (starts_with(spec, prefix)) return split(spec.substr(std::string(prefix).size()), kVoteSeparator);
  }
  return std::nullopt;
}

// The error rate of "simulated:RATE"; throws InputError unless RATE is a number in [0, 1].
double simulated_error_rate(const std::string& spec) {
  const std::string rate = spec.substr(std::string(SimulatedTeacher::kPrefix).size());
  try {
    std::size_t used = 0;
    const double value = std::stod(rate, &used);
    if (used == rate.size() && value >= 0.0 && value <= 1.0) return value;
  } catch (const std::exception&) {
  }
  throw InputError("'" + spec + "': the simulated teacher needs an error rate in [0, 1], e.g. simulated:0.15");
}

// Each test below looks at the prefix of every single teacher, never at the text anywhere in the spec:
// a recording's path may hold "batch:" or "openai:".
bool any_leaf_starts_with(const std::string& spec, const char* prefix) {
  const auto leaves = leaf_teachers(spec);
  return std::any_of(leaves.begin(), leaves.end(), [&](const std::string& leaf) { return starts_with(leaf, prefix); });
}

}  // namespace

bool calls_llm(const std::string& spec) { return any_leaf_starts_with(spec, kOpenAiPrefix) || exports_batch(spec); }

bool exports_batch(const std::string& spec) { return any_leaf_starts_with(spec, kBatchPrefix); }

bool uses_simulated_teacher(const std::string& spec) { return any_leaf_starts_with(spec, SimulatedTeacher::kPrefix); }

std::vector<std::string> leaf_teachers(const std::string& spec) {
  const auto members = vote_members(spec);
  if (!members) return {spec};
  std::vector<std::string> leaves;
  for (const auto& member : *members) {
    for (auto& leaf : leaf_teachers(member)) leaves.push_back(std::move(leaf));
  }
  return leaves;
}

bool uses_builtin_teacher(const std::string& spec) {
  if (spec == UnsupervisedTeacher::kSpec) return true;
  const auto members = vote_members(spec);
  return members && std::any_of(members->begin(), members->end(), uses_builtin_teacher);
}

std::string batch_spec_of(const std::string& spec) {
  if (!any_leaf_starts_with(spec, kOpenAiPrefix)) return "";
  const auto as_batch = [](const std::string& leaf) {
    return starts_with(leaf, kOpenAiPrefix) ? kBatchPrefix + leaf.substr(std::string(kOpenAiPrefix).size()) : leaf;
  };
  const auto members = vote_members(spec);
  if (!members) return as_batch(spec);
  std::string batch = spec.substr(0, spec.find(':') + 1);  // "majority:" or "weighted:"
  for (std::size_t idx = 0; idx < members->size(); ++idx) batch += (idx > 0 ? "|" : "") + as_batch((*members)[idx]);
  return batch;
}

std::vector<std::string> recording_files(const std::string& spec) {
  std::vector<std::string> files;
  for (const std::string& leaf : leaf_teachers(spec)) {
    if (!starts_with(leaf, kReplayPrefix)) continue;
    for (auto& file : split(leaf.substr(std::string(kReplayPrefix).size()), ',')) files.push_back(std::move(file));
  }
  return files;
}

void check_teacher_spec(const std::string& spec) {
  if (spec == UnsupervisedTeacher::kSpec) return;
  if (const auto members = vote_members(spec)) {
    if (members->size() < 2) throw InputError("'" + spec + "': a vote needs at least two teachers (SPEC|SPEC...)");
    for (const auto& member : *members) check_teacher_spec(member);
    return;
  }
  if (starts_with(spec, kReplayPrefix) && spec.size() > std::string(kReplayPrefix).size()) {
    // Now, before the candidates and features are built (minutes on large tables), not when first asked.
    ReplayRecordings::check_readable(recording_files(spec));
    return;
  }
  if (starts_with(spec, SimulatedTeacher::kPrefix)) {
    simulated_error_rate(spec);
    return;
  }
  if (starts_with(spec, kOpenAiPrefix) && spec.size() > std::string(kOpenAiPrefix).size()) return;
  if (starts_with(spec, kBatchPrefix) && spec.size() > std::string(kBatchPrefix).size()) return;
  throw InputError("unknown teacher '" + spec +
                   "'; valid teachers: unsupervised, openai:MODEL, batch:MODEL, replay:FILE[,FILE...], "
                   "majority:SPEC|SPEC..., weighted:SPEC|SPEC..., simulated:ERROR_RATE, none");
}

void check_run_caps(const TeacherOptions& options) {
  if (options.max_calls && *options.max_calls < 0) throw InputError("--teacher-max-calls must not be negative");
  if (options.max_tokens && *options.max_tokens < 0) throw InputError("--teacher-max-tokens must not be negative");
  if (options.max_usd && !(std::isfinite(*options.max_usd) && *options.max_usd >= 0 && *options.max_usd <= kMaxUsdCap)) {
    throw InputError(fmt::format("--teacher-max-usd must be a number in [0, {:g}]", kMaxUsdCap));
  }
}

std::shared_ptr<CallBudget> make_run_budget(const TeacherOptions& options) {
  check_run_caps(options);
  BudgetCaps caps;
  caps.max_calls = options.max_calls;
  caps.max_tokens = options.max_tokens;
  caps.max_usd = options.max_usd;
  return std::make_shared<CallBudget>(caps);
}

std::unique_ptr<Teacher> make_teacher(const std::string& spec, const TeacherOptions& options) {
  check_teacher_spec(spec);
  if (!options.run_budget && calls_llm(spec)) {
    TeacherOptions sharing = options;
    sharing.run_budget = make_run_budget(options);
    return make_teacher(spec, sharing);
  }
  if (spec == UnsupervisedTeacher::kSpec) return std::make_unique<UnsupervisedTeacher>();
  if (const auto members = vote_members(spec)) {
    std::vector<std::unique_ptr<Teacher>> teachers;
    for (const auto& member : *members) teachers.push_back(make_teacher(member, options));
    const VoteRule rule = starts_with(spec, kMajorityPrefix) ? VoteRule::kMajority : VoteRule::kWeighted;
    return std::make_unique<VoteTeacher>(spec, rule, std::move(teachers));
  }
  if (starts_with(spec, SimulatedTeacher::kPrefix)) {
    return std::make_unique<SimulatedTeacher>(simulated_error_rate(spec), options.simulated_gold, options.seed);
  }
  if (starts_with(spec, kReplayPrefix)) {
    return std::make_unique<ReplayTeacher>(spec, split(spec.substr(std::string(kReplayPrefix).size()), ','),
                                           options.replay_gold);
  }
  // openai:MODEL calls the endpoint; batch:MODEL writes the same requests for the Batch API, under the
  // spec openai:MODEL so that imported results are found by the next openai:MODEL run.
  const bool batch = starts_with(spec, kBatchPrefix);
  const std::string model = spec.substr(std::string(batch ? kBatchPrefix : kOpenAiPrefix).size());
  ChatConfig config = ChatConfig::from_env(model);
  config.timeout_seconds = options.timeout_seconds;
  config.max_tokens = options.max_answer_tokens;
  config.max_retries = options.max_retries;
  LlmTeacherSettings settings;
  settings.concurrency = options.concurrency;
  settings.seed = options.seed;
  if (batch) {
    // Without a file to write to, the teacher would ask live, at the full price the user chose not to pay.
    if (options.batch_export_path.empty()) throw std::logic_error(spec + ": no file to write the Batch API requests to");
    settings.batch_export_path = options.batch_export_path;
  }
  return std::make_unique<LlmTeacher>(
      std::string(kOpenAiPrefix) + model, std::move(config), options.own_caps,
      ModelPrice{options.usd_per_million_prompt_tokens, options.usd_per_million_completion_tokens}, settings,
      options.cache, options.run_budget);
}

}  // namespace matchmaker::teacher
