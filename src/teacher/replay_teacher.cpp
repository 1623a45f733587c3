#include "teacher/replay_teacher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "eval/gold.h"
#include "matchmaker/error.h"
#include "teacher/prompt.h"

namespace matchmaker::teacher {
namespace {

// Ids are stored as numbers or strings; records are keyed by their text form.
std::string id_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_null()) return "";
  return value.dump();
}

// A string member, or "" when it is missing, null or not a string (recordings are not uniform).
std::string string_member(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// Larger answers name no candidate anyway; saturating keeps "[99999999999]" from overflowing an int.
constexpr int kMaxRecordedAnswer = 1'000'000;

// "[k]" -> k; anything else -> -1.
int bracketed_number(const std::string& text) {
  if (text.size() < 3 || text.front() != '[' || text.back() != ']') return -1;
  int number = 0;
  for (std::size_t idx = 1; idx + 1 < text.size(); ++idx) {
    if (text[idx] < '0' || text[idx] > '9') return -1;
    number = std::min(number * 10 + (text[idx] - '0'), kMaxRecordedAnswer);
  }
  return number;
}

}  // namespace

void ReplayRecordings::check_readable(const std::vector<std::string>& files) {
  for (const auto& file : files) {
    if (!std::ifstream(file)) throw InputError::At(file, 0, "cannot open the recording");
  }
}

ReplayRecordings ReplayRecordings::load(const std::vector<std::string>& files) {
  ReplayRecordings loaded;
  for (const auto& file : files) {
    nlohmann::json document;
    try {
      std::ifstream in(file);
      if (!in) throw InputError::At(file, 0, "cannot open the recording");
      in >> document;
    } catch (const nlohmann::json::exception& error) {
      throw InputError::At(file, 0, std::string("not valid JSON: ") + error.what());
    }
    try {
      if (document.contains("responses")) {
        for (const auto& response : document.at("responses")) {
          const std::string query_id = id_text(response.at("query_id"));
          if (loaded.recordings_.count(query_id) > 0) continue;
          ReplayRecording recording;
          recording.answer = bracketed_number(string_member(response, "answer"));
          const auto ground_answer = response.find("ground_answer");
          if (ground_answer != response.end() && ground_answer->is_number_integer()) recording.ground_answer = ground_answer->get<int>();
          recording.ground_truth = id_text(response.value("ground_truth", nlohmann::json()));
          if (response.contains("confidence") && response["confidence"].is_number()) {
            recording.confidence = std::clamp(response["confidence"].get<float>(), 0.0f, 1.0f);
          }
          recording.explanation = string_member(response, "explanation");
          loaded.recordings_.emplace(query_id, std::move(recording));
        }
      } else if (document.contains("prompts")) {
        for (const auto& prompt : document.at("prompts")) {
          std::vector<std::string> options;
          for (const auto& option : prompt.at("options")) options.push_back(id_text(option));
          loaded.options_.emplace(id_text(prompt.at("query_id")), std::move(options));
        }
      } else {
        throw InputError::At(file, 0, "neither a responses file nor a prompts file (no \"responses\" or \"prompts\")");
      }
    } catch (const nlohmann::json::exception& error) {
      // A missing query_id or options, or a value of the wrong type: the file is not a recording.
      throw InputError::At(file, 0, std::string("not a recording: ") + error.what());
    }
  }
  return loaded;
}

const ReplayRecording* ReplayRecordings::recording(const std::string& query_id) const {
  const auto found = recordings_.find(query_id);
  return found == recordings_.end() ? nullptr : &found->second;
}

const std::vector<std::string>* ReplayRecordings::options(const std::string& query_id) const {
  const auto found = options_.find(query_id);
  return found == options_.end() ? nullptr : &found->second;
}

namespace {

// True when the recorded model's list, which was not stored, lacked the query's gold record
// (ground_answer 0 with a gold id): its answer says nothing about that record.
bool gold_unseen(const ReplayRecording& recording, const std::vector<std::string>* recorded_options) {
  return recorded_options == nullptr && recording.ground_answer == 0 && !recording.ground_truth.empty();
}

}  // namespace

ReplayDecision decide_replay(const ReplayRecording& recording, const std::vector<std::string>* recorded_options,
                             const std::vector<std::string>& shown_right_ids,
                             const std::vector<std::string>& gold_right_ids) {
  ReplayDecision decision;
  if (recording.answer < 0) return decision;  // unusable: like a failed call
  decision.answered = true;
  decision.confidence = recording.confidence;
  decision.explanation = recording.explanation;
  auto shown_index_of = [&](const std::string& right_id) {
    const auto found = std::find(shown_right_ids.begin(), shown_right_ids.end(), right_id);
    return found == shown_right_ids.end() ? -1 : static_cast<int>(found - shown_right_ids.begin());
  };
  // The gold record the recorded model never saw, where we show it (-1 otherwise).
  const int unseen_gold = gold_unseen(recording, recorded_options) ? shown_index_of(recording.ground_truth) : -1;

  if (recorded_options != nullptr) {
    // The recorded model saw its own list: it judged only the candidates of ours that were on it.
    const auto& seen = *recorded_options;
    decision.judged.assign(shown_right_ids.size(), 0);
    for (std::size_t idx = 0; idx < shown_right_ids.size(); ++idx) {
      decision.judged[idx] = std::find(seen.begin(), seen.end(), shown_right_ids[idx]) != seen.end();
    }
    if (recording.answer > 0 && static_cast<std::size_t>(recording.answer) <= seen.size()) {
      decision.chosen = shown_index_of(seen[static_cast<std::size_t>(recording.answer) - 1]);
    }
  } else if (recording.answer > 0 && recording.answer == recording.ground_answer) {
    decision.chosen = shown_index_of(recording.ground_truth);
  } else if (recording.answer > 0 && unseen_gold >= 0) {
    // The recorded model named a record from a list without the gold record, which we show: what it
    // would pick from our list is unknown, and a stand-in would be an answer it never gave.
    return ReplayDecision{};
  } else if (recording.answer > 0) {
    // A wrong record whose id was not stored: our highest-ranked non-gold candidate stands in.
    for (std::size_t idx = 0; idx < shown_right_ids.size(); ++idx) {
      const std::string& right_id = shown_right_ids[idx];
      const bool is_gold = std::find(gold_right_ids.begin(), gold_right_ids.end(), right_id) != gold_right_ids.end() ||
                           right_id == recording.ground_truth;
      if (!is_gold) {
        decision.chosen = static_cast<int>(idx);
        break;
      }
    }
  }
  if (unseen_gold >= 0 && unseen_gold != decision.chosen) {
    decision.judged.assign(shown_right_ids.size(), 1);
    decision.judged[static_cast<std::size_t>(unseen_gold)] = 0;
  }
  return decision;
}

ReplayTeacher::ReplayTeacher(std::string spec, std::vector<std::string> files, std::string gold_path)
    : spec_(std::move(spec)), files_(std::move(files)), gold_path_(std::move(gold_path)) {
  if (files_.empty()) throw InputError("replay: needs at least one recording file (replay:FILE[,FILE...])");
  ReplayRecordings::check_readable(files_);
}

void ReplayTeacher::load(const MatchProblem& problem) {
  recordings_ = ReplayRecordings::load(files_);
  gold_right_ids_.assign(problem.left->num_rows(), {});
  if (!gold_path_.empty()) {
    for (const auto& [left_row, right_row] : eval::read_gold(gold_path_, *problem.left, *problem.right, false)) {
      gold_right_ids_[left_row].emplace_back(problem.right->id(right_row));
    }
  }
  spdlog::info("replay: {} recorded answers, {} recorded candidate lists", recordings_.num_recordings(),
               recordings_.num_option_lists());
  loaded_ = true;
}

std::vector<std::uint8_t> ReplayTeacher::askable(const MatchProblem& problem) {
  if (!loaded_) load(problem);
  const Table& left = *problem.left;
  const Table& right = *problem.right;
  const candidates::CandidatePairs& pairs = *problem.pairs;
  std::vector<std::uint8_t> mask(left.num_rows(), 0);
  for (std::size_t row = 0; row < mask.size(); ++row) {
    const std::string query_id(left.id(row));
    const ReplayRecording* recording = recordings_.recording(query_id);
    if (recording == nullptr) continue;
    mask[row] = 1;
    // A pick from a list without the gold record is unusable once we show that record (see
    // decide_replay): such a query is not worth a call when the record is among its candidates.
    const bool picked_without_gold = recording->answer > 0 && gold_unseen(*recording, recordings_.options(query_id));
    if (!picked_without_gold || row >= pairs.num_left) continue;
    for (std::uint64_t pair = pairs.query_offsets[row]; pair < pairs.query_offsets[row + 1]; ++pair) {
      if (right.id(pairs.right[pair]) == recording->ground_truth) mask[row] = 0;
    }
  }
  return mask;
}

namespace {
// English text averages about four characters per token with the common BPE tokenizers.
constexpr std::size_t kCharsPerToken = 4;
// The JSON around an answer's explanation: {"answer": "[n]", "explanation": "", "confidence": 0.9}.
constexpr std::size_t kAnswerOverheadChars = 56;
}  // namespace

std::vector<TeacherAnswer> ReplayTeacher::answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) {
  if (!loaded_) load(problem);
  const Table& left = *problem.left;
  const Table& right = *problem.right;
  const candidates::CandidatePairs& pairs = *problem.pairs;
  std::vector<TeacherAnswer> answers;
  answers.reserve(queries.size());
  std::vector<std::string> shown_right_ids;
  for (const TeacherQuery& query : queries) {
    TeacherAnswer answer;
    answer.query = query.query;
    const std::string query_id(left.id(query.query));
    const ReplayRecording* recording = recordings_.recording(query_id);
    if (recording == nullptr) {
      answers.push_back(std::move(answer));  // unanswerable: like a failed call
      continue;
    }
    shown_right_ids.clear();
    std::vector<std::string> shown_records;
    for (const std::uint64_t pair : query.shown) {
      shown_right_ids.emplace_back(right.id(pairs.right[pair]));
      shown_records.push_back(serialize_record(right, pairs.right[pair]));
    }
    ++asked_;
    if (!shown_records.empty()) {
      for (const ChatMessage& message : build_select_prompt(serialize_record(left, query.query), shown_records).messages) {
        prompt_chars_ += message.content.size();
      }
    }
    ReplayDecision decision =
        decide_replay(*recording, recordings_.options(query_id), shown_right_ids, gold_right_ids_[query.query]);
    answer.answered = decision.answered;
    answer.chosen = decision.chosen;
    answer.confidence = decision.confidence;
    answer.explanation = std::move(decision.explanation);
    answer.judged = std::move(decision.judged);
    answered_ += answer.answered;
    completion_chars_ += answer.explanation.size() + kAnswerOverheadChars;
    answers.push_back(std::move(answer));
  }
  return answers;
}

nlohmann::json ReplayTeacher::report() const {
  return {{"questions", asked_},
          {"answered", answered_},
          {"estimated_prompt_tokens", prompt_chars_ / kCharsPerToken},
          {"estimated_completion_tokens", completion_chars_ / kCharsPerToken},
          {"token_estimate", "characters / 4 of the select prompt and of the recorded answer"}};
}

}  // namespace matchmaker::teacher
