// Export of the distillation set as chat-format JSONL, to fine-tune a small LLM elsewhere; the
// fine-tuned model plugs back in as an `openai:` teacher with another OPENAI_BASE_URL.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "io/atomic_file.h"
#include "teacher/teacher.h"

namespace matchmaker::teacher {

// One line per answered query: {"messages": [system, user (the select prompt, candidates in
// question_order), assistant ({"answer": "[n]", "explanation": ..., "confidence": ...})],
// "query_id": ..., "teacher": ...}. Unanswered queries are left out. The caller commits `file`, with
// the run's other outputs. Returns the number of lines written.
std::size_t write_sft_dataset(io::AtomicFile& file, const MatchProblem& problem,
                              std::span<const TeacherQuery> queries, std::span<const TeacherAnswer> answers,
                              const std::string& teacher_spec, std::uint64_t seed);

}  // namespace matchmaker::teacher
