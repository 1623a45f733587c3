#include "teacher/batch_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "matchmaker/error.h"
#include "teacher/answer_parser.h"
#include "teacher/teacher.h"
#include "workspace/workspace.h"

namespace matchmaker::teacher {

void refuse_import_without_batch_run(const workspace::Workspace& workspace, const std::string& teacher_spec) {
  const std::string batch_spec = batch_spec_of(teacher_spec);
  const auto latest = workspace.latest_run();
  for (std::int64_t run = 1; latest && run <= *latest; ++run) {
    nlohmann::json config;
    try {
      config = workspace.run_info(run)["config"];
    } catch (const InputError&) {
      continue;  // a run id that is not there
    }
    if (!config.is_object()) continue;
    const nlohmann::json escalation = config.value("escalation", nlohmann::json::object());
    const std::string specs[] = {config.value("teacher", ""),
                                 escalation.is_object() ? escalation.value("teacher", "") : std::string()};
    for (const std::string& spec : specs) {
      const auto leaves = leaf_teachers(spec);
      if (std::find(leaves.begin(), leaves.end(), batch_spec) != leaves.end()) return;
    }
  }
  throw InputError(fmt::format("no run of workspace {} wrote {} requests: give the openai: teacher of its batch: run "
                               "(--teacher {} answers the requests of --teacher {})",
                               workspace.path(), batch_spec, teacher_spec, batch_spec));
}

BatchImportReport import_batch_results(const std::string& results_path, workspace::Workspace& cache,
                                       const std::string& teacher_spec) {
  // A directory opens as an empty stream on Linux: "0 results", exit 0.
  if (std::filesystem::is_directory(results_path)) throw InputError::At(results_path, 0, "is a directory, not the batch results file");
  std::ifstream in(results_path);
  if (!in) throw InputError::At(results_path, 0, "cannot open the batch results");
  BatchImportReport report;
  std::string line;
  for (std::size_t line_number = 1; std::getline(in, line); ++line_number) {
    if (line.empty() || line == "\r") continue;
    ++report.lines;
    nlohmann::json result;
    try {
      result = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw InputError::At(results_path, line_number, "not a JSON object");
    }
    const auto custom_id = result.find("custom_id");
    if (!result.is_object() || custom_id == result.end() || !custom_id->is_string()) {
      throw InputError::At(results_path, line_number, "a batch result needs a string \"custom_id\"");
    }
    // The same strictness as a live call: only the assistant's text is kept; parsing happens on use.
    // Every step checks its type first (nlohmann's value() and at() throw on a wrong one): a result of
    // any other shape is a failed request, counted.
    const nlohmann::json* content = nullptr;
    const auto response = result.find("response");
    if (response != result.end() && response->is_object()) {
      const auto status = response->find("status_code");
      const auto body = response->find("body");
      if (status != response->end() && status->is_number_integer() && *status == 200 && body != response->end() &&
          body->is_object()) {
        const auto choices = body->find("choices");
        if (choices != body->end() && choices->is_array() && !choices->empty() && choices->front().is_object()) {
          const auto message = choices->front().find("message");
          if (message != choices->front().end() && message->is_object()) {
            const auto text = message->find("content");
            if (text != message->end() && text->is_string()) content = &*text;
          }
        }
      }
    }
    if (content == nullptr) {
      ++report.failed;
      continue;
    }
    workspace::Workspace::CachedAnswer answer;
    answer.raw = content->get<std::string>();
    answer.confidence = std::numeric_limits<double>::quiet_NaN();
    ++(cache.store_answer(teacher_spec, custom_id->get<std::string>(), "", answer) ? report.stored : report.already);
  }
  return report;
}

}  // namespace matchmaker::teacher
