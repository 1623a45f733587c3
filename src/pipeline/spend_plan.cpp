#include "pipeline/spend_plan.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace matchmaker::pipeline {
namespace {

double sum_of(const SpendPlan& plan, double (*per_question)(const teacher::QuestionCost&)) {
  double total = 0.0;
  if (plan.sample_cost) total += static_cast<double>(plan.sample_questions) * per_question(*plan.sample_cost);
  if (plan.escalation_cost) total += static_cast<double>(plan.escalation_questions) * per_question(*plan.escalation_cost);
  return total;
}

nlohmann::json cost_json(const std::optional<teacher::QuestionCost>& cost) {
  if (!cost) return nullptr;
  nlohmann::json json = {{"prompt_tokens", cost->prompt_tokens},
                         {"completion_tokens_max", cost->completion_tokens},
                         {"questions_measured", cost->questions_measured}};
  json["usd_max"] = cost->priced ? nlohmann::json(cost->usd) : nlohmann::json(nullptr);
  return json;
}

}  // namespace

double SpendPlan::prompt_tokens() const {
  return sum_of(*this, [](const teacher::QuestionCost& cost) { return cost.prompt_tokens; });
}

double SpendPlan::completion_tokens() const {
  return sum_of(*this, [](const teacher::QuestionCost& cost) { return static_cast<double>(cost.completion_tokens); });
}

double SpendPlan::usd() const {
  double total = sample_cost ? static_cast<double>(sample_questions) * sample_cost->usd : 0.0;
  if (escalation_cost) {
    const double escalations = static_cast<double>(escalation_questions) * escalation_cost->usd;
    total += escalation_max_usd ? std::min(escalations, *escalation_max_usd) : escalations;
  }
  return total;
}

bool SpendPlan::priced() const {
  return (sample_cost && sample_cost->priced) || (escalation_cost && escalation_cost->priced);
}

nlohmann::json SpendPlan::to_json() const {
  nlohmann::json json = {{"teacher", teacher},
                         {"answerable_queries", answerable_queries},
                         {"sample_questions", sample_questions},
                         {"sample_question_cost", cost_json(sample_cost)},
                         {"questions_max", questions()},
                         {"prompt_tokens_max", prompt_tokens()},
                         {"completion_tokens_max", completion_tokens()}};
  json["usd_max"] = priced() ? nlohmann::json(usd()) : nlohmann::json(nullptr);
  if (!escalation_teacher.empty()) {
    json["escalation"] = {{"teacher", escalation_teacher},
                          {"questions_max", escalation_questions},
                          {"fixed_after_training", escalation_fixed_after_training},
                          {"max_usd", escalation_max_usd ? nlohmann::json(*escalation_max_usd) : nlohmann::json(nullptr)},
                          {"question_cost", cost_json(escalation_cost)}};
  }
  nlohmann::json caps = nlohmann::json::object();
  if (max_calls) caps["max_calls"] = *max_calls;
  if (max_tokens) caps["max_tokens"] = *max_tokens;
  if (max_usd) caps["max_usd"] = *max_usd;
  json["caps"] = caps;
  return json;
}

std::vector<std::string> SpendPlan::describe() const {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("plan: {} labels a training sample of {} queries (of {} it can answer)", teacher,
                              sample_questions, answerable_queries));
  if (!escalation_teacher.empty()) {
    lines.push_back(fmt::format("plan: then {} answers at most {} escalated queries{}{}", escalation_teacher,
                                escalation_questions,
                                escalation_fixed_after_training ? " (the precision goal sets how many, after training)" : "",
                                escalation_max_usd ? fmt::format(", for at most ${:.2f}", *escalation_max_usd) : std::string()));
  }
  if (!paid()) {
    lines.push_back("plan: no paid teacher: nothing to pay");
    return lines;
  }
  const auto per_question = [](const char* who, const teacher::QuestionCost& cost) {
    return fmt::format("plan: {} is about {:.0f} prompt tokens (measured on {} questions) and at most {} "
                       "answer tokens{}",
                       who, cost.prompt_tokens, cost.questions_measured, cost.completion_tokens,
                       cost.priced ? fmt::format(", at most ${:.6f}", cost.usd) : std::string());
  };
  const bool one_teacher = escalation_teacher.empty() || escalation_teacher == teacher;
  if (sample_cost) lines.push_back(per_question(one_teacher ? "a question" : "a sample question", *sample_cost));
  if (escalation_cost && !one_teacher) lines.push_back(per_question("an escalation question", *escalation_cost));
  lines.push_back(fmt::format("plan: in all at most {} questions, {:.0f} prompt + {:.0f} answer tokens, {}", questions(),
                              prompt_tokens(), completion_tokens(),
                              priced() ? fmt::format("${:.2f}", usd()) : std::string("no money estimate (no --teacher-price)")));
  std::vector<std::string> caps;
  if (max_calls) caps.push_back(fmt::format("{} calls", *max_calls));
  if (max_tokens) caps.push_back(fmt::format("{} tokens", *max_tokens));
  if (max_usd) caps.push_back(fmt::format("${:.2f}", *max_usd));
  if (!caps.empty()) {
    lines.push_back(fmt::format("plan: hard caps {}: asking stops where one would be crossed", fmt::join(caps, ", ")));
  } else {
    lines.push_back("plan: no hard cap (--teacher-max-calls, --teacher-max-tokens, --teacher-max-usd): the run asks all of it");
  }
  lines.push_back("plan: answers already in the workspace's cache cost nothing");
  return lines;
}

}  // namespace matchmaker::pipeline
