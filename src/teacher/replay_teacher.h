// A teacher that replays recorded answers of a real LLM (DistillER's response files), so that
// distillation can be measured offline on real LLM decisions. Benchmark use: the replay rule reads
// gold to map a recorded "right answer" without a stored id back to a record.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "teacher/teacher.h"

namespace matchmaker::teacher {

// Files in the spec ("replay:A.json,B.json") are read by shape:
// - {"responses": [{query_id, answer "[k]", ground_truth, ground_answer, explanation, confidence}]}:
//   recorded answers (the first file that holds a query wins);
// - {"prompts": [{query_id, options: [candidate ids shown, in order]}]}: the candidate lists the
//   recorded model saw, which turn its "[k]" into a record id.
//
// Replay rule for a query shown with our candidate list (DESIGN.md, ER benchmark):
// - no recording: unanswerable (answered = false, like a failed call);
// - "[0]": none;
// - "[k]" with a known candidate list: that record if we show it, else none;
// - "[k]" without one: if k is the recording's ground_answer, the gold record (ground_truth) if we show
//   it, else none; otherwise a wrong record whose id was not stored: our highest-ranked non-gold
//   candidate stands in for it.
// With a known candidate list the answer only judges candidates that list held (TeacherAnswer::judged).
class ReplayTeacher final : public Teacher {
 public:
  ReplayTeacher(std::string spec, std::vector<std::string> files, std::string gold_path);
  std::string spec() const override { return spec_; }
  std::vector<TeacherAnswer> answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) override;

 private:
  struct Recording {
    int answer = -1;          // k of "[k]"; 0 = none; -1 = unparseable (counted, unanswered)
    int ground_answer = -1;   // 1-based position of gold in the recorded list; 0 = not there
    std::string ground_truth; // gold right id as recorded ("" if none)
    float confidence = 1.0f;
    std::string explanation;
  };
  void load(const MatchProblem& problem);

  std::string spec_;
  std::vector<std::string> files_;
  std::string gold_path_;
  bool loaded_ = false;
  std::unordered_map<std::string, Recording> recordings_;                  // by query id
  std::unordered_map<std::string, std::vector<std::string>> options_;      // by query id
  std::vector<std::vector<std::uint32_t>> gold_rights_;                    // left row -> gold right rows
};

}  // namespace matchmaker::teacher
