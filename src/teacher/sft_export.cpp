#include "teacher/sft_export.h"

#include <nlohmann/json.hpp>

#include "teacher/prompt.h"

namespace matchmaker::teacher {

std::size_t write_sft_dataset(io::AtomicFile& file, const MatchProblem& problem,
                              std::span<const TeacherQuery> queries, std::span<const TeacherAnswer> answers,
                              const std::string& teacher_spec, std::uint64_t seed) {
  std::size_t lines = 0;
  for (std::size_t idx = 0; idx < queries.size(); ++idx) {
    const TeacherQuery& query = queries[idx];
    const TeacherAnswer& answer = answers[idx];
    if (!answer.answered || query.shown.empty()) continue;
    const auto order = question_order(query.query, query.shown.size(), seed);
    std::vector<std::string> candidates;
    int answer_number = 0;  // "[0]" = none
    for (std::size_t position = 0; position < order.size(); ++position) {
      candidates.push_back(serialize_record(*problem.right, problem.pairs->right[query.shown[order[position]]]));
      if (static_cast<int>(order[position]) == answer.chosen) answer_number = static_cast<int>(position) + 1;
    }
    SelectPrompt prompt = build_select_prompt(serialize_record(*problem.left, query.query), candidates);
    const nlohmann::json reply = {{"answer", "[" + std::to_string(answer_number) + "]"},
                                  {"explanation", answer.explanation},
                                  {"confidence", answer.confidence}};
    prompt.messages.push_back(ChatMessage{"assistant", reply.dump()});
    const nlohmann::json line = {{"messages", prompt.messages},
                                 {"query_id", std::string(problem.left->id(query.query))},
                                 {"teacher", teacher_spec}};
    file.stream() << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    ++lines;
  }
  return lines;
}

}  // namespace matchmaker::teacher
