#include "teacher/batch_import.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "matchmaker/error.h"
#include "teacher/answer_parser.h"
#include "workspace/workspace.h"

namespace matchmaker::teacher {

BatchImportReport import_batch_results(const std::string& results_path, workspace::Workspace& cache,
                                       const std::string& teacher_spec) {
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
    const auto response = result.find("response");
    const bool succeeded = response != result.end() && response->is_object() &&
                           response->value("status_code", 0) == 200 && response->contains("body");
    if (!succeeded) {
      ++report.failed;
      continue;
    }
    // The same strictness as a live call: only the assistant's text is kept; parsing happens on use.
    const nlohmann::json& body = response->at("body");
    const auto choices = body.find("choices");
    if (choices == body.end() || !choices->is_array() || choices->empty() ||
        !(*choices)[0].contains("message") || !(*choices)[0]["message"].value("content", nlohmann::json()).is_string()) {
      ++report.failed;
      continue;
    }
    workspace::Workspace::CachedAnswer answer;
    answer.raw = (*choices)[0]["message"]["content"].get<std::string>();
    answer.confidence = std::numeric_limits<double>::quiet_NaN();
    cache.store_answer(teacher_spec, custom_id->get<std::string>(), "", answer);
    ++report.stored;
  }
  return report;
}

}  // namespace matchmaker::teacher
