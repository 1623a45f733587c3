// Options every task shares: the teacher, its caps and prices, the training sample, escalation,
// seed and threads.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "cli/commands.h"
#include "matchmaker/error.h"
#include "teacher/teacher.h"
#include "teacher/unsupervised_teacher.h"

namespace matchmaker::cli {
namespace {

void parse_price(const std::string& text, teacher::TeacherOptions& options) {
  const std::size_t comma = text.find(',');
  try {
    if (comma == std::string::npos) throw std::invalid_argument("no comma");
    std::size_t used_prompt = 0, used_completion = 0;
    const std::string prompt = text.substr(0, comma), completion = text.substr(comma + 1);
    options.usd_per_million_prompt_tokens = std::stod(prompt, &used_prompt);
    options.usd_per_million_completion_tokens = std::stod(completion, &used_completion);
    if (used_prompt != prompt.size() || used_completion != completion.size() ||
        !(std::isfinite(options.usd_per_million_prompt_tokens) && options.usd_per_million_prompt_tokens >= 0) ||
        !(std::isfinite(options.usd_per_million_completion_tokens) && options.usd_per_million_completion_tokens >= 0)) {
      throw std::invalid_argument("not two non-negative numbers");
    }
  } catch (const std::exception&) {
    throw InputError("--teacher-price must be PROMPT,COMPLETION in USD per million tokens, e.g. 0.15,0.60");
  }
}

}  // namespace

// Measured on ER DistillER D2-D6 (README, seeds 1-12): with recorded LLM answers, uncertainty rounds
// beat Blocking-Max by far (mean query accuracy 0.872 vs 0.767 with Qwen2.5-32B); the built-in
// unsupervised teacher goes the other way (0.821 vs 0.715), its mixture being right mostly about top
// candidates. A batch: teacher cannot answer between rounds, so its sample is drawn at once
// (stratified: 0.857).
std::string auto_selection(const std::string& teacher) {
  if (teacher == teacher::UnsupervisedTeacher::kSpec || teacher == "none") return "blocking-max";
  if (teacher::exports_batch(teacher)) return "stratified";
  return "uncertainty";
}

void TeacherOptionText::apply(pipeline::DistillSettings& settings, bool auto_by_teacher) const {
  const std::string chosen = selection != "auto" ? selection : auto_by_teacher ? auto_selection(settings.teacher) : "blocking-max";
  settings.selection = select::parse_selection_strategy(chosen);
  settings.selection_by_default = selection == "auto";
  if (!price.empty()) parse_price(price, settings.teacher_options);
  settings.escalation.shuffle_candidates = route::parse_candidate_order(candidate_order);
  settings.teacher_options.seed = settings.seed;
}

void add_teacher_options(CLI::App* command, pipeline::DistillSettings& settings, TeacherOptionText& text) {
  teacher::TeacherOptions& options = settings.teacher_options;
  command->add_option("--teacher", settings.teacher,
                      "Who labels the training sample and answers escalated queries: unsupervised (built-in, no "
                      "LLM; match only), openai:MODEL (OPENAI_BASE_URL, OPENAI_API_KEY), batch:MODEL (write OpenAI Batch API "
                      "requests), replay:FILE[,FILE...] (recorded LLM answers, DistillER format), majority:SPEC|SPEC... "
                      "or weighted:SPEC|SPEC... (multi-teacher vote), simulated:ERROR_RATE (answers from gold, "
                      "wrong at that rate: --replay-gold in match, --gold in align and link; benchmarks only), or none (no student)")
      ->capture_default_str();
  command->add_option("--teacher-budget", settings.teacher_budget,
                      "Training sample the teacher labels: a share of queries (<= 1) or a count (> 1); with replay:, "
                      "of the queries it holds recordings for (the others cannot be answered)")
      ->capture_default_str();
  command->add_option("--selection", text.selection,
                      "How the training sample is chosen: blocking-max, stratified, random, blocking-top2, diversity "
                      "(k-center over features), uncertainty (rounds: the student picks what it is least sure of), "
                      "or auto: for match, uncertainty with an LLM teacher, stratified with batch:, blocking-max with "
                      "the unsupervised one; blocking-max for align and link")
      ->capture_default_str();
  command->add_option("--teacher-candidates", settings.teacher_candidates, "Candidates shown to the teacher per query")
      ->capture_default_str();
  command->add_option("--teacher-max-calls", options.max_calls, "LLM teacher: hard cap on calls in the whole run (unset: none)");
  command->add_option("--teacher-max-tokens", options.max_tokens,
                      "LLM teacher: hard cap on prompt + completion tokens (unset: none)");
  command->add_option("--teacher-max-usd", options.max_usd, "LLM teacher: hard cap on money, needs --teacher-price (unset: none)");
  command->add_option("--teacher-price", text.price, "LLM teacher: USD per million prompt and completion tokens, e.g. 0.15,0.60");
  command->add_option("--teacher-concurrency", options.concurrency, "LLM teacher: requests in flight")->capture_default_str();
  command->add_option("--teacher-timeout", options.timeout_seconds, "LLM teacher: seconds per request")->capture_default_str();
  command->add_option("--teacher-retries", options.max_retries,
                      "LLM teacher: retries of a failed request (429, 5xx, timeouts), with backoff")
      ->capture_default_str();
  command->add_option("--escalate-share", settings.escalation.share,
                      "Routing: after training, send at most this share of the queries (the least certain) to the "
                      "teacher, one call each; e.g. 0.25 (with replay:, a share of its recorded queries)");
  command->add_option("--escalate-max-calls", settings.escalation.max_calls, "Routing: at most this many escalation calls");
  command->add_option("--escalate-max-usd", settings.escalation.max_usd,
                      "Routing: at most this much money on escalation calls (needs --teacher-price)");
  command->add_option("--escalate-target-precision", settings.escalation.target_precision,
                      "Routing: escalate the least certain queries until the student's own decisions reach this "
                      "precision, judged on the teacher-labelled sample (held out); e.g. 0.95");
  command->add_option("--escalate-teacher", settings.escalation_teacher,
                      "Routing: who answers escalated queries (a teacher spec; default: --teacher), e.g. a larger "
                      "model than the one that labelled the sample");
  command->add_option("--escalate-order", text.candidate_order,
                      "Routing: how an escalated query's candidates are shown: student (best first) or shuffled")
      ->capture_default_str();
  command->add_flag("--dry-run", settings.dry_run,
                    "Plan the teacher's questions and their cost (counts, tokens, money: logged, and \"plan\" in "
                    "--metrics), then stop before asking any; nothing else is written (an LLM teacher's workspace, its answer cache, "
                    "is opened to count cached answers, and created if missing)");
  command->add_option("--threads", settings.threads, "Worker threads (0 = all cores)")->capture_default_str();
  // XGBoost takes a signed 64-bit seed: larger values (and -1, read as 2^64-1) failed inside training.
  command->add_option("--seed", settings.seed, "Random seed (selection, student, prompt order)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
}

}  // namespace matchmaker::cli
