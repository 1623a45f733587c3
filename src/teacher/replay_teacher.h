// A teacher that replays recorded answers of a real LLM (DistillER's response files), so that
// distillation can be measured offline on real LLM decisions. Benchmark use: the replay rule reads
// gold to map a recorded "right answer" without a stored id back to a record.
//
// The recordings and the replay rule are also used by tools/replay_server.cpp, which serves the same
// decisions over an OpenAI-compatible endpoint; both go through ReplayRecordings and decide_replay()
// so that the offline teacher and the served answers can never drift apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "teacher/teacher.h"

namespace matchmaker::teacher {

// One recorded answer of the LLM for one query.
struct ReplayRecording {
  int answer = -1;          // k of "[k]"; 0 = none; -1 = unparseable (counted, unanswered)
  int ground_answer = -1;   // 1-based position of gold in the recorded list; 0 = not there
  std::string ground_truth; // gold right id as recorded ("" if none)
  float confidence = 1.0f;  // in [0, 1]; 1 when the recording has none
  std::string explanation;
};

// Recording files, read by shape:
// - {"responses": [{query_id, answer "[k]", ground_truth, ground_answer, explanation, confidence}]}:
//   recorded answers (the first file that holds a query wins);
// - {"prompts": [{query_id, options: [candidate ids shown, in order]}]}: the candidate lists the
//   recorded model saw, which turn its "[k]" into a record id (the first file that holds a query wins).
// Ids may be numbers or strings; both are keyed by their text form ("17").
class ReplayRecordings {
 public:
  // Checks that every file can be opened (InputError otherwise) without reading it, so that a bad
  // spec fails at once while the parsing cost is paid only when answers are needed.
  static void check_readable(const std::vector<std::string>& files);
  // Reads every file. Throws InputError for a file that cannot be read, is not JSON, or has neither shape.
  static ReplayRecordings load(const std::vector<std::string>& files);

  // nullptr when the query has no recording / no recorded candidate list.
  const ReplayRecording* recording(const std::string& query_id) const;
  const std::vector<std::string>* options(const std::string& query_id) const;

  std::size_t num_recordings() const { return recordings_.size(); }
  std::size_t num_option_lists() const { return options_.size(); }

 private:
  std::unordered_map<std::string, ReplayRecording> recordings_;          // by query id
  std::unordered_map<std::string, std::vector<std::string>> options_;    // by query id
};

// What the replay rule says about one query shown with a candidate list.
struct ReplayDecision {
  bool answered = false;   // false: the recording is unusable (like a failed call); nothing else is set
  int chosen = -1;         // index into the shown candidates; -1 = none
  // Which shown candidates the answer speaks about (parallel to the shown list); empty = all.
  std::vector<std::uint8_t> judged;
  float confidence = 0.0f;
  std::string explanation;
};

// The replay rule (how bench/er_distiller replays DistillER's recordings) for a query that has a recording, shown with the right
// ids `shown_right_ids` in the order shown:
// - an unparseable recorded answer: unanswered (answered = false);
// - "[0]": none;
// - "[k]" with a recorded candidate list (`recorded_options` not null): that record if it is shown,
//   else none; only shown candidates that the list held are judged;
// - "[k]" without one: if k is the recording's ground_answer, the gold record (ground_truth) if it is
//   shown, else none; otherwise a wrong record whose id was not stored: the first (highest-ranked)
//   shown candidate that is neither in `gold_right_ids` nor the recorded ground_truth stands in;
// - without a recorded list, a recording whose ground_answer is 0 was never shown its gold record
//   (ground_truth). If we show that record, its "[0]" stays a "none" that does not judge it (the
//   DistillER test recordings hold many such "none" answers on plain matches, IMDB episodes of the
//   same title, season and number: D5 177, D6 134 of the test queries; taken as negatives they taught
//   the student that those are not matches), and its "[k]" is unusable (answered = false): the
//   model chose from a list without the gold record, and a stand-in would be an answer it never
//   gave. Stand-ins there were label noise and, escalated, overruled right student matches ("Chapter
//   18" S2E5 -> "Part 5": Qwen2.5-32B test recordings D2 4, D3 68, D4 5, D5 12, D6 7 queries).
// Benchmark use only: `gold_right_ids` (the query's gold right ids, may be empty) is never available
// to matching.
ReplayDecision decide_replay(const ReplayRecording& recording, const std::vector<std::string>* recorded_options,
                             const std::vector<std::string>& shown_right_ids,
                             const std::vector<std::string>& gold_right_ids);

// The teacher: spec "replay:A.json,B.json" (files as in ReplayRecordings), gold path from
// TeacherOptions::replay_gold. A query with no recording is unanswerable (answered = false).
class ReplayTeacher final : public Teacher {
 public:
  ReplayTeacher(std::string spec, std::vector<std::string> files, std::string gold_path);
  std::string spec() const override { return spec_; }
  std::vector<TeacherAnswer> answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) override;
  // The queries it holds a usable recording for: the benchmark's query set (DistillER's D1 queries),
  // less those whose recorded pick decide_replay() cannot use because the gold record the recorded
  // model never saw is among the query's candidates.
  std::vector<std::uint8_t> askable(const MatchProblem& problem) override;
  // Questions, answered ones, and estimated tokens: what the same questions would cost an LLM, as
  // characters / 4 of the select prompt matchmaker would send and of the recorded answer.
  nlohmann::json report() const override;

 private:
  void load(const MatchProblem& problem);

  std::size_t asked_ = 0;
  std::size_t answered_ = 0;
  std::size_t prompt_chars_ = 0;
  std::size_t completion_chars_ = 0;

  std::string spec_;
  std::vector<std::string> files_;
  std::string gold_path_;
  bool loaded_ = false;
  ReplayRecordings recordings_;
  std::vector<std::vector<std::string>> gold_right_ids_;  // left row -> gold right ids
};

}  // namespace matchmaker::teacher
