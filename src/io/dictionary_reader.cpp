#include "io/dictionary_reader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "io/table_reader.h"
#include "matchmaker/error.h"
#include "text/normalize.h"
#include "text/strings.h"

namespace matchmaker::io {
namespace {

// Collects (id, name) entries in file order and groups them by id: a concept's synonyms may be spread
// over many lines (BioSyn writes one synonym per line).
class DictionaryBuilder {
 public:
  explicit DictionaryBuilder(std::string source) : source_(std::move(source)) {}

  void add(std::string_view id, std::string_view name) {
    auto [slot, inserted] = concept_of_id_.try_emplace(std::string(id), static_cast<std::uint32_t>(ids_.size()));
    if (inserted) {
      ids_.emplace_back(id);
      names_.emplace_back();
    }
    // A hash of (concept, name) pairs, not a search of the concept's names: one concept with 200,000
    // synonyms took 30 s to load.
    std::string key(reinterpret_cast<const char*>(&slot->second), sizeof(slot->second));
    key.append(name);
    if (seen_.insert(std::move(key)).second) names_[slot->second].emplace_back(name);
  }
  bool has(std::string_view id) const { return concept_of_id_.count(std::string(id)) > 0; }

  Dictionary finish(std::size_t skipped_obsolete) {
    if (ids_.empty()) throw InputError::At(source_, 0, "the dictionary holds no concept");
    Dictionary dictionary;
    dictionary.source = source_;
    dictionary.skipped_obsolete = skipped_obsolete;
    dictionary.concept_ids = std::move(ids_);
    dictionary.concept_offsets.reserve(dictionary.concept_ids.size() + 1);
    dictionary.concept_offsets.push_back(0);
    for (std::size_t concept_row = 0; concept_row < names_.size(); ++concept_row) {
      for (auto& name : names_[concept_row]) {
        dictionary.names.push_back(std::move(name));
        dictionary.name_concept.push_back(static_cast<std::uint32_t>(concept_row));
      }
      dictionary.concept_offsets.push_back(dictionary.names.size());
    }
    return dictionary;
  }

 private:
  std::string source_;
  std::unordered_map<std::string, std::uint32_t> concept_of_id_;
  std::vector<std::string> ids_;
  std::vector<std::vector<std::string>> names_;
  std::unordered_set<std::string> seen_;  // concept row (4 bytes) + name, for each name added
};

Dictionary read_biosyn(const std::string& path) {
  DictionaryBuilder builder(path);
  for_each_text_line(path, [&](std::string_view line, std::size_t line_number) {
    if (text::trim(line, " \t").empty()) return;
    const auto separator = line.find("||");
    if (separator == std::string_view::npos) {
      throw InputError::At(path, line_number, "expected ID||NAME, found no '||'");
    }
    const std::string_view id = text::trim(line.substr(0, separator), " \t");
    const std::string_view name = text::trim(line.substr(separator + 2), " \t");
    if (name.find("||") != std::string_view::npos) {
      throw InputError::At(path, line_number, "expected ID||NAME, found more than one '||'");
    }
    if (split_concept_ids(id).empty()) throw InputError::At(path, line_number, "empty concept id before '||'");
    if (name.empty()) throw InputError::At(path, line_number, "empty name after '||'");
    builder.add(id, name);
  });
  return builder.finish(0);
}

Dictionary read_askapatient(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError::At(path, 0, "cannot open the file");
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string content = buffer.str();
  if (!text::is_valid_utf8(content)) throw InputError::At(path, 0, std::string("invalid UTF-8") + text::kReencodeHint);
  nlohmann::json document;
  // A concept id given twice: JSON parsers keep the last and drop the first's names silently.
  std::unordered_set<std::string> top_keys;
  std::string repeated_key;
  const nlohmann::json::parser_callback_t note_repeats = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && parsed.is_string() &&
        !top_keys.insert(parsed.get<std::string>()).second && repeated_key.empty()) {
      repeated_key = parsed.get<std::string>();
    }
    return true;
  };
  try {
    document = nlohmann::json::parse(content, note_repeats);
  } catch (const nlohmann::json::exception& error) {  // syntax, and numbers beyond double's range (1e309)
    throw InputError::At(path, 0, std::string("invalid JSON (") + error.what() + ")");
  }
  if (!document.is_object()) {
    throw InputError::At(path, 0, "expected a JSON object {\"ID\": [[\"primary\", \"NAME\"], ...]}");
  }
  if (!repeated_key.empty()) throw InputError::At(path, 0, "concept \"" + repeated_key + "\" is given twice");
  DictionaryBuilder builder(path);
  for (const auto& [id, entries] : document.items()) {
    const std::string where = "concept \"" + id + "\"";
    if (text::trim(id, " \t").empty()) throw InputError::At(path, 0, "empty concept id");
    if (!entries.is_array() || entries.empty()) {
      throw InputError::At(path, 0, where + ": expected a non-empty list of [TYPE, NAME] pairs");
    }
    for (const auto& entry : entries) {
      if (!entry.is_array() || entry.size() != 2 || !entry[1].is_string()) {
        throw InputError::At(path, 0, where + ": expected [TYPE, NAME] pairs, found " + entry.dump());
      }
      const std::string name(text::trim(entry[1].get<std::string>(), " \t"));
      if (name.empty()) throw InputError::At(path, 0, where + ": empty name");
      builder.add(id, name);
    }
  }
  return builder.finish(0);
}

Dictionary read_table_dictionary(const std::string& path) {
  TableReadOptions options;
  options.path = path;
  options.id_column = "";  // the id column is found by its name below
  options.unique_ids = false;
  const Table table = read_table(options);
  // Columns by their names, not their places: a file without a header lost its first concept, and
  // a header "name,id" swapped names and ids, both silently.
  const auto column_named = [&](std::string_view wanted) -> std::optional<std::size_t> {
    for (std::size_t column = 0; column < table.num_columns(); ++column) {
      if (text::ascii_lowercase(text::trim(table.columns()[column], " \t")) == wanted) return column;
    }
    return std::nullopt;
  };
  const auto id_column = column_named("id");
  const auto name_column = column_named("name");
  if (!id_column || !name_column) {
    std::string header;
    for (const auto& column : table.columns()) header += (header.empty() ? "" : ",") + column;
    throw InputError::At(path, 1, "expected a header with columns id and name (others are synonyms), found '" + header +
                                      "'; a file without a header would lose its first concept");
  }
  DictionaryBuilder builder(path);
  for (std::size_t row = 0; row < table.num_rows(); ++row) {
    const std::string_view id = text::trim(table.cell(row, *id_column), " \t");
    const std::string_view name = text::trim(table.cell(row, *name_column), " \t");
    // Line of the record when no quoted field spans lines (the header is line 1).
    if (id.empty()) throw InputError::At(path, row + 2, "empty id in column " + table.columns()[*id_column]);
    if (name.empty()) throw InputError::At(path, row + 2, "empty name in column " + table.columns()[*name_column]);
    builder.add(id, name);
    for (std::size_t column = 0; column < table.num_columns(); ++column) {
      if (column == *id_column || column == *name_column) continue;
      const std::string_view synonym = text::trim(table.cell(row, column), " \t");
      if (!synonym.empty()) builder.add(id, synonym);
    }
  }
  return builder.finish(0);
}

// The quoted text of an OBO synonym line ("TEXT" SCOPE [XREFS]), with \" and \\ unescaped.
std::string obo_quoted_text(std::string_view value, const std::string& path, std::size_t line_number) {
  if (value.empty() || value.front() != '"') {
    throw InputError::At(path, line_number, "synonym: expected a quoted text, e.g. synonym: \"heart attack\" EXACT []");
  }
  std::string unquoted;
  for (std::size_t pos = 1; pos < value.size(); ++pos) {
    if (value[pos] == '\\' && pos + 1 < value.size()) {
      unquoted.push_back(value[++pos]);
    } else if (value[pos] == '"') {
      return unquoted;
    } else {
      unquoted.push_back(value[pos]);
    }
  }
  throw InputError::At(path, line_number, "synonym: the quoted text has no closing '\"'");
}

Dictionary read_obo(const std::string& path) {
  DictionaryBuilder builder(path);
  std::size_t skipped_obsolete = 0;
  // The [Term] being read; written out when the next stanza starts or the file ends.
  struct Term {
    bool open = false;
    std::size_t line = 0;
    std::string id;
    std::string name;
    std::vector<std::string> synonyms;
    bool obsolete = false;
  } term;
  const auto finish_term = [&]() {
    if (!term.open) return;
    if (term.id.empty()) throw InputError::At(path, term.line, "[Term] without an id: line");
    if (term.obsolete) {
      ++skipped_obsolete;
    } else {
      if (builder.has(term.id)) throw InputError::At(path, term.line, "duplicate term id " + term.id);
      if (term.name.empty()) throw InputError::At(path, term.line, "term " + term.id + " has no name: line");
      builder.add(term.id, term.name);
      for (const auto& synonym : term.synonyms) builder.add(term.id, synonym);
    }
    term = Term{};
  };
  for_each_text_line(path, [&](std::string_view raw_line, std::size_t line_number) {
    const std::string_view line = text::trim(raw_line, " \t");
    if (line.empty() || line.front() == '!') return;
    if (line.front() == '[') {
      finish_term();
      if (line == "[Term]") {
        term.open = true;
        term.line = line_number;
      }
      return;  // [Typedef], [Instance]: not concepts
    }
    if (!term.open) return;  // header tags and other stanzas
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) throw InputError::At(path, line_number, "expected TAG: VALUE");
    const std::string_view tag = line.substr(0, colon);
    const std::string_view value = text::trim(line.substr(colon + 1), " \t");
    if (tag == "id") {
      if (value.empty()) throw InputError::At(path, line_number, "empty id");
      term.id = value;
    } else if (tag == "name") {
      term.name = value;
    } else if (tag == "synonym") {
      std::string synonym = obo_quoted_text(value, path, line_number);
      if (!text::trim(synonym, " \t").empty()) term.synonyms.emplace_back(text::trim(synonym, " \t"));
    } else if (tag == "is_obsolete") {
      term.obsolete = value == "true";
    }
  });
  finish_term();
  return builder.finish(skipped_obsolete);
}

DictionaryFormat detect_format(const std::string& path) {
  const std::string extension = text::lower_extension(path);
  if (extension == ".obo") return DictionaryFormat::kObo;
  if (extension == ".json") return DictionaryFormat::kAskAPatient;
  if (extension == ".csv" || extension == ".tsv" || extension == ".tab") return DictionaryFormat::kTable;
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError::At(path, 0, "cannot open the file");
  std::string first_line;
  while (std::getline(file, first_line) && text::trim(first_line, " \t").empty()) {
  }
  if (first_line.find("||") != std::string::npos) return DictionaryFormat::kBioSyn;
  if (first_line.rfind("format-version:", 0) == 0 || first_line == "[Term]") return DictionaryFormat::kObo;
  throw InputError::At(path, 0,
                       "cannot tell the dictionary format from the name or the first line; name it with "
                       "--dictionary-format biosyn|askapatient|table|obo");
}

}  // namespace

DictionaryFormat parse_dictionary_format(const std::string& name) {
  if (name == "auto") return DictionaryFormat::kAuto;
  if (name == "biosyn") return DictionaryFormat::kBioSyn;
  if (name == "askapatient") return DictionaryFormat::kAskAPatient;
  if (name == "table") return DictionaryFormat::kTable;
  if (name == "obo") return DictionaryFormat::kObo;
  throw InputError("unknown dictionary format '" + name + "' (valid: auto, biosyn, askapatient, table, obo)");
}

Dictionary read_dictionary(const std::string& path, DictionaryFormat format) {
  if (!std::filesystem::is_regular_file(path)) throw InputError::At(path, 0, "no such file");
  if (format == DictionaryFormat::kAuto) format = detect_format(path);
  switch (format) {
    case DictionaryFormat::kBioSyn:
      return read_biosyn(path);
    case DictionaryFormat::kAskAPatient:
      return read_askapatient(path);
    case DictionaryFormat::kTable:
      return read_table_dictionary(path);
    case DictionaryFormat::kObo:
      return read_obo(path);
    case DictionaryFormat::kAuto:
      break;
  }
  throw InputError::At(path, 0, "unknown dictionary format");
}

std::vector<std::string_view> split_concept_ids(std::string_view ids) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t pos = 0; pos <= ids.size(); ++pos) {
    if (pos == ids.size() || ids[pos] == '|' || ids[pos] == '+') {
      const std::string_view part = text::trim(ids.substr(start, pos - start), " \t");
      if (!part.empty()) parts.push_back(part);
      start = pos + 1;
    }
  }
  return parts;
}

void for_each_text_line(const std::string& path,
                        const std::function<void(std::string_view line, std::size_t line_number)>& on_line) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError::At(path, 0, "cannot open the file");
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(file, line)) {
    ++line_number;
    std::string_view view(line);
    if (line_number == 1 && view.substr(0, 3) == "\xEF\xBB\xBF") view.remove_prefix(3);
    if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
    if (!text::is_valid_utf8(view)) {
      throw InputError::At(path, line_number, std::string("invalid UTF-8") + text::kReencodeHint);
    }
    on_line(view, line_number);
  }
  if (file.bad()) throw InputError::At(path, line_number, "read error");
}

}  // namespace matchmaker::io
