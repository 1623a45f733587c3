#include "eval/gold.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/table_reader.h"
#include "matchmaker/error.h"
#include "text/normalize.h"
#include "text/strings.h"

namespace matchmaker::eval {
namespace {

template <typename T>
void sort_unique(std::vector<T>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

// The column named "label" (any case) after the two ids, if there is one.
std::optional<std::size_t> label_column(const Table& gold) {
  for (std::size_t column = 2; column < gold.num_columns(); ++column) {
    if (text::ascii_lowercase(gold.columns()[column]) == "label") return column;
  }
  return std::nullopt;
}

// 1 / true: a match; 0 / false: a non-match; anything else is no label.
std::optional<bool> parse_label(std::string_view text) {
  if (text == "1" || text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "0" || text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

}  // namespace

Table read_gold_table(const std::string& path, const std::string& columns) {
  io::TableReadOptions options;
  options.path = path;
  options.id_column = "";
  options.unique_ids = false;
  Table gold = io::read_table(options);
  if (gold.num_columns() < 2) throw InputError::At(path, 1, "a gold file needs two columns: " + columns);
  return gold;
}

void refuse_headerless_gold(const std::string& path, const Table& gold, bool first_field_is_an_id) {
  if (!first_field_is_an_id) return;
  throw InputError::At(path, 1, "'" + gold.columns()[0] + "," + gold.columns()[1] +
                                    "' is a record, not a header: it would be lost; add a header line such as "
                                    "left_id,right_id");
}

GoldPairs read_gold_pairs(const std::string& path, const Table& left, const Table& right, bool deduplicate) {
  const Table gold = read_gold_table(path, "left id, right id");
  const auto left_rows = left.id_index();
  const auto right_rows = right.id_index();
  refuse_headerless_gold(path, gold, left_rows.contains(gold.columns()[0]) && right_rows.contains(gold.columns()[1]));
  const std::optional<std::size_t> labels = label_column(gold);
  GoldPairs pairs;
  pairs.labelled = labels.has_value();
  for (std::size_t row = 0; row < gold.num_rows(); ++row) {
    // Line numbers assume one physical line per record, true of id lists.
    const std::size_t line = row + 2;
    const auto left_found = left_rows.find(gold.cell(row, 0));
    if (left_found == left_rows.end()) {
      throw InputError::At(path, line, "id '" + std::string(gold.cell(row, 0)) + "' is not in " + left.source());
    }
    const auto right_found = right_rows.find(gold.cell(row, 1));
    if (right_found == right_rows.end()) {
      throw InputError::At(path, line, "id '" + std::string(gold.cell(row, 1)) + "' is not in " + right.source());
    }
    bool is_match = true;
    if (labels) {
      const auto label = parse_label(gold.cell(row, *labels));
      if (!label) {
        throw InputError::At(path, line, "label '" + std::string(gold.cell(row, *labels)) + "' is not 1 or 0");
      }
      is_match = *label;
    }
    std::uint32_t left_row = left_found->second, right_row = right_found->second;
    if (deduplicate) {
      if (left_row == right_row) continue;
      if (left_row > right_row) std::swap(left_row, right_row);
    }
    (is_match ? pairs.matches : pairs.non_matches).emplace_back(left_row, right_row);
  }
  sort_unique(pairs.matches);
  sort_unique(pairs.non_matches);
  std::vector<RowPair> contradicted;
  std::set_intersection(pairs.matches.begin(), pairs.matches.end(), pairs.non_matches.begin(), pairs.non_matches.end(),
                        std::back_inserter(contradicted));
  if (!contradicted.empty()) {
    const auto [left_row, right_row] = contradicted.front();
    throw InputError::At(path, 0, "labels the pair '" + std::string(left.id(left_row)) + "', '" +
                                      std::string(right.id(right_row)) + "' both 1 and 0" +
                                      (contradicted.size() > 1 ? fmt::format(" ({} pairs so)", contradicted.size()) : ""));
  }
  return pairs;
}

std::vector<RowPair> read_gold(const std::string& path, const Table& left, const Table& right, bool deduplicate) {
  return read_gold_pairs(path, left, right, deduplicate).matches;
}

EvalQueries read_eval_queries(const std::string& path, const Table& left) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError::At(path, 0, "cannot open the query list");
  // A UTF-8 byte order mark (Windows editors write one) is not part of the first id or of the JSON.
  char bom[3] = {};
  if (!in.read(bom, 3) || std::string_view(bom, 3) != "\xEF\xBB\xBF") {
    in.clear();
    in.seekg(0);
  }
  std::vector<std::string> ids;
  std::vector<std::uint8_t> ground_answer_zero;  // per id
  std::vector<std::size_t> id_lines;              // per id of a plain list: its line (for errors)
  EvalQueries queries;
  if (in.peek() == '{') {
    nlohmann::json document;
    try {
      in >> document;
    } catch (const nlohmann::json::exception& error) {
      throw InputError::At(path, 0, std::string("not valid JSON: ") + error.what());
    }
    if (!document.contains("responses") || !document["responses"].is_array()) {
      throw InputError::At(path, 0, "expected an object with a \"responses\" array");
    }
    queries.has_ground_answers = !document["responses"].empty();
    for (const auto& response : document["responses"]) {
      const auto id = response.is_object() ? response.find("query_id") : response.end();
      if (!response.is_object() || id == response.end() || !(id->is_string() || id->is_number())) {
        throw InputError::At(path, 0, "responses[" + std::to_string(ids.size()) +
                                          "] is not an object with a \"query_id\" (a string or a number)");
      }
      ids.push_back(id->is_string() ? id->get<std::string>() : id->dump());
      // DistillER writes the gold position as a number or a numeric string.
      const auto ground_answer = response.find("ground_answer");
      if (ground_answer == response.end()) {
        queries.has_ground_answers = false;
        ground_answer_zero.push_back(0);
      } else {
        const bool zero = ground_answer->is_number() ? ground_answer->get<double>() == 0.0
                                                     : ground_answer->is_string() && ground_answer->get<std::string>() == "0";
        ground_answer_zero.push_back(zero ? 1 : 0);
      }
    }
  } else {
    std::string line;
    for (std::size_t line_number = 1; std::getline(in, line); ++line_number) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      ids.push_back(line);
      id_lines.push_back(line_number);
    }
    ground_answer_zero.assign(ids.size(), 0);
  }
  // Scored over no query, accuracy read "0.0000 over 0 queries".
  if (ids.empty()) throw InputError::At(path, 0, "holds no query id");
  const auto left_rows = left.id_index();
  for (std::size_t idx = 0; idx < ids.size(); ++idx) {
    const auto found = left_rows.find(ids[idx]);
    if (found == left_rows.end()) {
      if (!id_lines.empty()) throw InputError::At(path, id_lines[idx], "query id '" + ids[idx] + "' is not in " + left.source());
      throw InputError::At(path, 0, "responses[" + std::to_string(idx) + "].query_id '" + ids[idx] + "' is not in " + left.source());
    }
    queries.rows.push_back(found->second);
    if (queries.has_ground_answers && ground_answer_zero[idx]) queries.blocking_missed.push_back(found->second);
  }
  sort_unique(queries.rows);
  sort_unique(queries.blocking_missed);
  return queries;
}

}  // namespace matchmaker::eval
