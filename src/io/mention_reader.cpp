#include "io/mention_reader.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <unordered_set>

#include "io/dictionary_reader.h"
#include "io/table_reader.h"
#include "matchmaker/error.h"
#include "text/strings.h"

namespace matchmaker::io {
namespace {

// Splits on a multi-character separator ("||").
std::vector<std::string_view> split_on(std::string_view line, std::string_view separator) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const auto found = line.find(separator, start);
    fields.push_back(line.substr(start, found == std::string_view::npos ? std::string_view::npos : found - start));
    if (found == std::string_view::npos) return fields;
    start = found + separator.size();
  }
}

// Rows of a MentionSet without context, ids checked for uniqueness as they arrive.
class MentionSetBuilder {
 public:
  explicit MentionSetBuilder(std::string source) : source_(std::move(source)) {}

  void add(std::string id, std::string_view mention, std::string_view gold, std::uint32_t source_mention) {
    const std::array<std::string_view, 2> cells{id, mention};
    rows_.append_row(cells);
    gold_.emplace_back(gold);
    source_mention_.push_back(source_mention);
  }
  MentionSet finish(std::size_t num_source_mentions) {
    if (rows_.num_rows() == 0) throw InputError::At(source_, 0, "no mention found");
    MentionSet set;
    set.table = std::move(rows_);
    set.gold = std::move(gold_);
    set.source_mention = std::move(source_mention_);
    set.num_source_mentions = num_source_mentions;
    return set;
  }

 private:
  std::string source_;
  Table rows_{source_, {"id", "mention"}, 0};
  std::vector<std::string> gold_;
  std::vector<std::uint32_t> source_mention_;
};

std::vector<std::string> biosyn_files(const std::string& path) {
  if (!std::filesystem::is_directory(path)) return {path};
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.is_regular_file() && entry.path().extension() == ".concept") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw InputError::At(path, 0, "directory holds no .concept file");
  return files;
}

MentionSet read_biosyn(const std::string& path) {
  MentionSetBuilder builder(path);
  std::unordered_set<std::string> seen_ids;
  std::uint32_t num_mentions = 0;
  for (const auto& file : biosyn_files(path)) {
    for_each_text_line(file, [&](std::string_view line, std::size_t line_number) {
      if (text::trim(line, " \t").empty()) return;
      const auto fields = split_on(line, "||");
      if (fields.size() != 5) {
        throw InputError::At(file, line_number,
                             "expected 5 fields DOC||START|END||TYPE||MENTION||CUI, found " +
                                 std::to_string(fields.size()));
      }
      const std::string_view span = text::trim(fields[1], " \t");
      if (span.find('|') == std::string_view::npos) {
        throw InputError::At(file, line_number, "field 2 (span): expected START|END, found '" + std::string(span) + "'");
      }
      const std::string_view mention = text::trim(fields[3], " \t");
      const std::string_view gold = text::trim(fields[4], " \t");
      if (mention.empty()) throw InputError::At(file, line_number, "field 4 (mention) is empty");
      if (gold.empty()) throw InputError::At(file, line_number, "field 5 (CUI) is empty; write -1 for none");
      std::string id = std::string(text::trim(fields[0], " \t")) + ":" + std::string(span.substr(0, span.find('|'))) + "-" +
                       std::string(span.substr(span.find('|') + 1));
      // The same span twice (rare, but in the data) keeps both, told apart by file and line ("@LINE"
      // alone collided across the files of a directory, two mentions then sharing one id).
      if (!seen_ids.insert(id).second) {
        id += "@" + std::filesystem::path(file).filename().string() + ":" + std::to_string(line_number);
        while (!seen_ids.insert(id).second) id += "'";
      }
      // Composite mentions: BioSyn splits on '|' and '+' alike.
      const auto parts = split_concept_ids(mention);
      const std::string_view gold_ids = gold == "-1" ? std::string_view() : gold;
      if (parts.size() == 1) {
        builder.add(id, parts[0], gold_ids, num_mentions);
      } else {
        for (std::size_t part = 0; part < parts.size(); ++part) {
          builder.add(id + "#" + std::to_string(part + 1), parts[part], gold_ids, num_mentions);
        }
      }
      ++num_mentions;
    });
  }
  return builder.finish(num_mentions);
}

MentionSet read_askapatient(const std::string& path) {
  MentionSetBuilder builder(path);
  std::uint32_t num_mentions = 0;
  for_each_text_line(path, [&](std::string_view line, std::size_t line_number) {
    if (text::trim(line, " \t").empty()) return;
    const auto fields = split_on(line, "\t");
    if (fields.size() != 3) {
      throw InputError::At(path, line_number,
                           "expected 3 tab-separated fields CONCEPT_ID, CONCEPT_NAME, PHRASE, found " +
                               std::to_string(fields.size()));
    }
    if (text::trim(fields[0], " \t").empty()) throw InputError::At(path, line_number, "field 1 (concept id) is empty");
    if (text::trim(fields[2], " \t").empty()) throw InputError::At(path, line_number, "field 3 (phrase) is empty");
    builder.add(std::to_string(line_number), text::trim(fields[2], " \t"), text::trim(fields[0], " \t"), num_mentions++);
  });
  return builder.finish(num_mentions);
}

MentionSet read_table_mentions(const std::string& path) {
  TableReadOptions options;
  options.path = path;
  const Table table = read_table(options);
  const int mention_column = table.find_column("mention");
  if (mention_column < 0) throw InputError::At(path, 1, "missing column 'mention' (expected id,mention[,context])");
  const int context_column = table.find_column("context");
  std::vector<std::string> columns{"id", "mention"};
  if (context_column >= 0) columns.emplace_back("context");
  MentionSet set;
  set.table = Table(path, columns, 0);
  std::vector<std::string_view> cells;
  for (std::size_t row = 0; row < table.num_rows(); ++row) {
    cells.assign({table.id(row), text::trim(table.cell(row, static_cast<std::size_t>(mention_column)), " \t")});
    // Line of the record when no quoted field spans lines (the header is line 1).
    if (cells[1].empty()) throw InputError::At(path, row + 2, "empty value in column 'mention'");
    if (context_column >= 0) cells.push_back(table.cell(row, static_cast<std::size_t>(context_column)));
    set.table.append_row(cells);
    set.gold.emplace_back();
    set.source_mention.push_back(static_cast<std::uint32_t>(row));
  }
  set.num_source_mentions = table.num_rows();
  return set;
}

bool looks_like_askapatient(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::string first_line;
  std::getline(file, first_line);
  return std::count(first_line.begin(), first_line.end(), '\t') == 2 && first_line.find("mention") == std::string::npos;
}

}  // namespace

MentionFormat parse_mention_format(const std::string& name) {
  if (name == "auto") return MentionFormat::kAuto;
  if (name == "biosyn") return MentionFormat::kBioSyn;
  if (name == "askapatient") return MentionFormat::kAskAPatient;
  if (name == "table") return MentionFormat::kTable;
  throw InputError("unknown mention format '" + name + "' (valid: auto, biosyn, askapatient, table)");
}

MentionSet read_mentions(const std::string& path, MentionFormat format) {
  if (!std::filesystem::exists(path)) throw InputError::At(path, 0, "no such file");
  if (format == MentionFormat::kAuto) {
    const std::string extension = text::lower_extension(path);
    if (std::filesystem::is_directory(path) || extension == ".concept") {
      format = MentionFormat::kBioSyn;
    } else if (extension == ".txt" && looks_like_askapatient(path)) {
      format = MentionFormat::kAskAPatient;
    } else {
      format = MentionFormat::kTable;
    }
  }
  switch (format) {
    case MentionFormat::kBioSyn:
      return read_biosyn(path);
    case MentionFormat::kAskAPatient:
      return read_askapatient(path);
    case MentionFormat::kTable:
    case MentionFormat::kAuto:
      break;
  }
  return read_table_mentions(path);
}

}  // namespace matchmaker::io
