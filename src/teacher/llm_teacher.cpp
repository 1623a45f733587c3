#include "teacher/llm_teacher.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <functional>
#include <numeric>

#include "io/atomic_file.h"
#include "matchmaker/error.h"
#include "matchmaker/progress.h"
#include "teacher/answer_parser.h"
#include "teacher/prompt.h"
#include "workspace/workspace.h"

namespace matchmaker::teacher {

// One question as sent: the prompt, its cache key, and which shown candidate each number names.
struct LlmTeacher::PreparedQuestion {
  SelectPrompt prompt;
  std::string cache_key;
  std::vector<std::size_t> order;  // prompt position p names TeacherQuery::shown[order[p]]
};

namespace {

constexpr const char* kSelectForm = "select";

using PreparedQuestion = LlmTeacher::PreparedQuestion;

// Turns a parsed reply into the teacher's answer for the query.
TeacherAnswer answer_from(const TeacherQuery& query, const PreparedQuestion& question, const SelectParse& parse) {
  TeacherAnswer answer;
  answer.query = query.query;
  if (!parse.accepted()) return answer;
  answer.answered = true;
  answer.chosen = parse.status == SelectParseStatus::kOk ? static_cast<int>(question.order[static_cast<std::size_t>(parse.chosen)]) : -1;
  answer.confidence = std::isnan(parse.confidence) ? 1.0f : parse.confidence;
  answer.explanation = parse.explanation;
  return answer;
}

// Select answers are requested as JSON with a schema; the parser also accepts a plain "[n]".
// select_response_schema() is the whole OpenAI response_format; the client wants its name and schema.
ChatConfig with_select_schema(ChatConfig config) {
  const nlohmann::json format = select_response_schema();
  config.response_schema = format.at("json_schema").at("schema");
  config.response_schema_name = format.at("json_schema").at("name").get<std::string>();
  return config;
}

}  // namespace

LlmTeacher::LlmTeacher(std::string spec, ChatConfig config, BudgetCaps caps, ModelPrice price,
                       LlmTeacherSettings settings, workspace::Workspace* cache, std::shared_ptr<CallBudget> run_budget)
    : spec_(std::move(spec)),
      client_(with_select_schema(std::move(config))),
      budget_(caps, {}, std::move(run_budget)),
      price_(price),
      settings_(settings),
      cache_(cache) {
  if (cache_ == nullptr) throw InputError(spec_ + ": an LLM teacher needs a workspace for its answer cache");
  if (settings_.concurrency == 0) throw InputError("--teacher-concurrency must be at least 1");
  budget_.set_price(client_.model(), price);
}

LlmTeacher::PreparedQuestion LlmTeacher::prepare(const MatchProblem& problem, const TeacherQuery& query) const {
  SerializeOptions serialize_options;
  serialize_options.max_value_chars = settings_.max_value_chars;
  PreparedQuestion question;
  if (query.keep_order) {
    question.order.resize(query.shown.size());
    std::iota(question.order.begin(), question.order.end(), std::size_t{0});
  } else {
    question.order = question_order(query.query, query.shown.size(), settings_.seed);
  }
  std::vector<std::string> candidates;
  for (std::size_t position : question.order) {
    candidates.push_back(serialize_record(*problem.right, problem.pairs->right[query.shown[position]], serialize_options));
  }
  question.prompt = build_select_prompt(serialize_record(*problem.left, query.query, serialize_options), candidates);
  question.cache_key = prompt_cache_key(client_.endpoint(), client_.model(), kSelectForm, question.prompt.messages);
  return question;
}

std::optional<QuestionCost> LlmTeacher::question_cost(const MatchProblem& problem, std::span<const TeacherQuery> queries) {
  QuestionCost cost;
  // The estimates the budget reserves with (chat_client.h): from above, so that a plan is not short.
  cost.completion_tokens = client_.completion_estimate();
  for (const TeacherQuery& query : queries) {
    if (query.shown.empty()) continue;
    cost.prompt_tokens += static_cast<double>(estimate_prompt_tokens(prepare(problem, query).prompt.messages));
    ++cost.questions_measured;
  }
  if (cost.questions_measured > 0) cost.prompt_tokens /= static_cast<double>(cost.questions_measured);
  cost.priced = price_.usd_per_million_prompt_tokens > 0 || price_.usd_per_million_completion_tokens > 0;
  cost.usd = (cost.prompt_tokens * price_.usd_per_million_prompt_tokens +
              static_cast<double>(cost.completion_tokens) * price_.usd_per_million_completion_tokens) / 1e6;
  return cost;
}

std::vector<TeacherAnswer> LlmTeacher::answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) {
  const Table& left = *problem.left;
  const Table& right = *problem.right;
  const candidates::CandidatePairs& pairs = *problem.pairs;
  std::vector<TeacherAnswer> answers(queries.size());
  std::vector<PreparedQuestion> prepared(queries.size());
  std::vector<std::size_t> to_send;  // indices into queries
  for (std::size_t idx = 0; idx < queries.size(); ++idx) {
    const TeacherQuery& query = queries[idx];
    answers[idx].query = query.query;
    if (query.shown.empty()) continue;  // nothing to ask: no label
    PreparedQuestion& question = prepared[idx] = prepare(problem, query);
    ++report_.asked;
    if (const auto cached = cache_->find_answer(spec_, question.cache_key)) {
      ++report_.cached;
      const SelectParse parse = parse_select_answer(cached->raw, question.prompt.num_candidates);
      answers[idx] = answer_from(query, question, parse);
      parse.accepted() ? ++report_.accepted : ++report_.rejected;
    } else {
      to_send.push_back(idx);
    }
  }

  if (!settings_.batch_export_path.empty()) {
    export_batch(prepared, to_send);
    return answers;
  }

  std::vector<ChatRequest> requests;
  requests.reserve(to_send.size());
  for (std::size_t idx : to_send) requests.push_back(ChatRequest{prepared[idx].prompt.messages, std::nullopt, std::nullopt});
  // Each reply is stored the moment it arrives (callbacks run one at a time): a crash later loses
  // no answer that was paid for.
  const auto take_reply = [&](std::size_t request_idx, const ChatResult& result) {
    const std::size_t idx = to_send[request_idx];
    if (result.error == ChatError::kBudget) {
      ++report_.over_budget;
      return;
    }
    ++report_.called;
    // A refusal is an answer (paid for, and asking again gets the same no): rejected, and cached so it
    // is never asked twice. Transport failures are not answers: they are counted and left to a re-run.
    const bool refused = result.error == ChatError::kRefusal;
    if (!result.ok && !refused) {
      ++report_.failed;
      last_failure_ = result.error_message;
      spdlog::debug("{}: query {} failed: {}", spec_, left.id(queries[idx].query), result.error_message);
      return;
    }
    const std::string reply = refused && result.content.empty() ? "refusal: " + result.error_message : result.content;
    SelectParse parse;
    if (refused) {
      parse.status = SelectParseStatus::kRefusal;
    } else {
      parse = parse_select_answer(reply, prepared[idx].prompt.num_candidates);
    }
    answers[idx] = answer_from(queries[idx], prepared[idx], parse);
    parse.accepted() ? ++report_.accepted : ++report_.rejected;
    workspace::Workspace::CachedAnswer cached;
    cached.raw = reply;
    cached.confidence = parse.confidence;
    cached.explanation = parse.explanation;
    if (answers[idx].chosen >= 0) {
      cached.chosen_id = std::string(right.id(pairs.right[queries[idx].shown[static_cast<std::size_t>(answers[idx].chosen)]]));
    }
    cache_->store_answer(spec_, prepared[idx].cache_key, std::string(left.id(queries[idx].query)), cached);
  };
  // Thousands of calls take long: where they stand, and what they cost so far, every few seconds.
  Progress progress(spec_, to_send.size(), "questions");
  const std::function<std::string()> so_far = [&] {
    const BudgetReport budget = budget_.report();
    return fmt::format("; {} accepted, {} rejected, {} failed, {} over budget; {} tokens, ${:.4f} so far", report_.accepted,
                       report_.rejected, report_.failed, report_.over_budget, budget.tokens(), budget.usd);
  };
  client_.complete_all(requests, settings_.concurrency, budget_, [&](std::size_t request_idx, const ChatResult& result) {
    take_reply(request_idx, result);
    progress.add(1, so_far);
  });
  if (report_.called > 0 && report_.failed == report_.called && report_.cached == 0) {
    throw RuntimeFailure(fmt::format("{}: all {} calls to {} failed (last error: {})", spec_, report_.called,
                                     client_.endpoint(), last_failure_));
  }
  const BudgetReport budget = budget_.report();
  spdlog::info("{}: {} questions: {} from cache, {} called, {} accepted, {} rejected answers, {} failed calls, "
               "{} over budget; tokens {} (prompt {}, completion {}), ${:.4f}",
               spec_, report_.asked, report_.cached, report_.called, report_.accepted, report_.rejected, report_.failed,
               report_.over_budget, budget.tokens(), budget.prompt_tokens, budget.completion_tokens, budget.usd);
  return answers;
}

}  // namespace matchmaker::teacher

namespace matchmaker::teacher {

void LlmTeacher::export_batch(const std::vector<PreparedQuestion>& prepared, const std::vector<std::size_t>& to_send) {
  if (to_send.empty()) return;
  io::AtomicFile file(settings_.batch_export_path);
  std::size_t written = 0;
  std::string refusal;
  for (std::size_t idx : to_send) {
    // Every request written is paid for once the user submits the file: each must fit the caps as a
    // live call would, and is charged at its estimate (from above: the provider reports usage only in
    // the results file).
    const ReserveResult admission =
        budget_.reserve(client_.model(), estimate_prompt_tokens(prepared[idx].prompt.messages), client_.completion_estimate());
    if (!admission) {
      ++report_.over_budget;
      refusal = admission.refusal;
      continue;
    }
    budget_.settle(*admission.reservation, admission.reservation->prompt_tokens, admission.reservation->completion_tokens);
    ++written;
    const nlohmann::json line = {{"custom_id", prepared[idx].cache_key},
                                 {"method", "POST"},
                                 {"url", "/v1/chat/completions"},
                                 {"body", nlohmann::json::parse(client_.request_body(prepared[idx].prompt.messages))}};
    file.stream() << line.dump() << '\n';
  }
  if (written == 0) {  // nothing to submit: no file (the temporary one is removed)
    spdlog::warn("{}: none of the {} questions written to a batch file: {}", spec_, to_send.size(), refusal);
    return;
  }
  file.commit();
  report_.exported += written;
  if (written < to_send.size()) {
    spdlog::warn("{}: {} of {} questions not written to the batch file: {}", spec_, to_send.size() - written,
                 to_send.size(), refusal);
  }
  spdlog::warn("{}: {} questions written as Batch API requests to {} ({} answered from the cache). Submit the file "
               "to the Batch API, then run `matchmaker batch-import --workspace {} --teacher {} RESULTS.jsonl` "
               "and run again with {} in place of {} (--teacher or --escalate-teacher; the same options otherwise: "
               "the same questions are then answered from the cache)",
               spec_, written, settings_.batch_export_path, report_.cached, cache_ ? cache_->path() : "WORKSPACE", spec_,
               spec_, batch_spec_of(spec_));
}

nlohmann::json LlmTeacher::report() const {
  const BudgetReport budget = budget_.report();
  return {{"endpoint", client_.endpoint()},     {"model", client_.model()},
          {"questions", report_.asked},         {"from_cache", report_.cached},
          {"called", report_.called},           {"accepted_answers", report_.accepted},
          {"rejected_answers", report_.rejected}, {"failed_calls", report_.failed},
          {"over_budget", report_.over_budget}, {"exported", report_.exported}, {"prompt_tokens", budget.prompt_tokens},
          {"completion_tokens", budget.completion_tokens}, {"usd", budget.usd}};
}

}  // namespace matchmaker::teacher
