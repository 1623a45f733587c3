#include "teacher/replay_teacher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "eval/gold.h"
#include "matchmaker/error.h"

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

// "[k]" -> k; anything else -> -1.
int bracketed_number(const std::string& text) {
  if (text.size() < 3 || text.front() != '[' || text.back() != ']') return -1;
  int number = 0;
  for (std::size_t idx = 1; idx + 1 < text.size(); ++idx) {
    if (text[idx] < '0' || text[idx] > '9') return -1;
    number = number * 10 + (text[idx] - '0');
  }
  return number;
}

}  // namespace

ReplayTeacher::ReplayTeacher(std::string spec, std::vector<std::string> files, std::string gold_path)
    : spec_(std::move(spec)), files_(std::move(files)), gold_path_(std::move(gold_path)) {
  if (files_.empty()) throw InputError("replay: needs at least one recording file (replay:FILE[,FILE...])");
  for (const auto& file : files_) {
    if (!std::ifstream(file)) throw InputError::At(file, 0, "cannot open the recording");
  }
}

void ReplayTeacher::load(const MatchProblem& problem) {
  for (const auto& file : files_) {
    nlohmann::json document;
    try {
      std::ifstream in(file);
      in >> document;
    } catch (const nlohmann::json::exception& error) {
      throw InputError::At(file, 0, std::string("not valid JSON: ") + error.what());
    }
    if (document.contains("responses")) {
      for (const auto& response : document.at("responses")) {
        const std::string query_id = id_text(response.at("query_id"));
        if (recordings_.count(query_id) > 0) continue;
        Recording recording;
        recording.answer = bracketed_number(string_member(response, "answer"));
        const auto ground_answer = response.find("ground_answer");
        if (ground_answer != response.end() && ground_answer->is_number_integer()) recording.ground_answer = ground_answer->get<int>();
        recording.ground_truth = id_text(response.value("ground_truth", nlohmann::json()));
        if (response.contains("confidence") && response["confidence"].is_number()) {
          recording.confidence = std::clamp(response["confidence"].get<float>(), 0.0f, 1.0f);
        }
        recording.explanation = string_member(response, "explanation");
        recordings_.emplace(query_id, std::move(recording));
      }
    } else if (document.contains("prompts")) {
      for (const auto& prompt : document.at("prompts")) {
        std::vector<std::string> options;
        for (const auto& option : prompt.at("options")) options.push_back(id_text(option));
        options_.emplace(id_text(prompt.at("query_id")), std::move(options));
      }
    } else {
      throw InputError::At(file, 0, "neither a responses file nor a prompts file (no \"responses\" or \"prompts\")");
    }
  }
  gold_rights_.assign(problem.left->num_rows(), {});
  if (!gold_path_.empty()) {
    for (const auto& [left_row, right_row] : eval::read_gold(gold_path_, *problem.left, *problem.right, false)) {
      gold_rights_[left_row].push_back(right_row);
    }
  }
  spdlog::info("replay: {} recorded answers, {} recorded candidate lists", recordings_.size(), options_.size());
  loaded_ = true;
}

std::vector<TeacherAnswer> ReplayTeacher::answer(const MatchProblem& problem, std::span<const TeacherQuery> queries) {
  if (!loaded_) load(problem);
  const Table& left = *problem.left;
  const Table& right = *problem.right;
  const candidates::CandidatePairs& pairs = *problem.pairs;
  std::vector<TeacherAnswer> answers;
  answers.reserve(queries.size());
  for (const TeacherQuery& query : queries) {
    TeacherAnswer answer;
    answer.query = query.query;
    const std::string query_id(left.id(query.query));
    const auto found = recordings_.find(query_id);
    if (found == recordings_.end() || found->second.answer < 0) {
      answers.push_back(std::move(answer));  // unanswerable: like a failed call
      continue;
    }
    const Recording& recording = found->second;
    answer.answered = true;
    answer.confidence = recording.confidence;
    answer.explanation = recording.explanation;
    auto shown_index_of = [&](std::string_view right_id) {
      for (std::size_t idx = 0; idx < query.shown.size(); ++idx) {
        if (right.id(pairs.right[query.shown[idx]]) == right_id) return static_cast<int>(idx);
      }
      return -1;
    };

    const auto options = options_.find(query_id);
    if (options != options_.end()) {
      // The recorded model saw its own list: it judged only the candidates of ours that were on it.
      const auto& seen = options->second;
      answer.judged.assign(query.shown.size(), 0);
      for (std::size_t idx = 0; idx < query.shown.size(); ++idx) {
        const std::string_view right_id = right.id(pairs.right[query.shown[idx]]);
        answer.judged[idx] = std::find(seen.begin(), seen.end(), right_id) != seen.end();
      }
      if (recording.answer > 0 && static_cast<std::size_t>(recording.answer) <= seen.size()) {
        answer.chosen = shown_index_of(seen[static_cast<std::size_t>(recording.answer) - 1]);
      }
    } else if (recording.answer > 0 && recording.answer == recording.ground_answer) {
      answer.chosen = shown_index_of(recording.ground_truth);
    } else if (recording.answer > 0) {
      // A wrong record whose id was not stored: our highest-ranked non-gold candidate stands in.
      const auto& gold = gold_rights_[query.query];
      for (std::size_t idx = 0; idx < query.shown.size(); ++idx) {
        const std::uint32_t right_row = pairs.right[query.shown[idx]];
        const bool is_gold = std::find(gold.begin(), gold.end(), right_row) != gold.end() ||
                             right.id(right_row) == recording.ground_truth;
        if (!is_gold) {
          answer.chosen = static_cast<int>(idx);
          break;
        }
      }
    }
    answers.push_back(std::move(answer));
  }
  return answers;
}

}  // namespace matchmaker::teacher
