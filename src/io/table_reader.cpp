#include "io/table_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "matchmaker/error.h"
#include "text/normalize.h"
#include "text/strings.h"

namespace matchmaker::io {
namespace {

// Bytes kept readable after the content: simdjson's DOM parser reads up to SIMDJSON_PADDING bytes past
// the end of the text it is given, and a JSONL line is parsed in place inside the file buffer.
constexpr std::size_t kReadPadding = 64;
static_assert(kReadPadding >= simdjson::SIMDJSON_PADDING);

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::size_t kNotFound = std::string_view::npos;
// Longest value quoted in an error message; a whole multi-kilobyte cell would drown the message.
constexpr std::size_t kMaxQuotedValue = 60;
// Stand-in for absent JSONL cells; a non-null pointer keeps Table::append_row's append() well defined.
constexpr std::string_view kEmptyCell = "";

// The whole file in memory, followed by kReadPadding zero bytes that are not part of `content`.
struct FileContents {
  std::string bytes;
  std::string_view content;
};

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

FileContents read_whole_file(const std::string& path) {
  std::error_code status_error;
  const auto status = std::filesystem::status(path, status_error);
  if (status.type() == std::filesystem::file_type::not_found) throw InputError::At(path, 0, "file not found");
  if (status.type() == std::filesystem::file_type::directory) {
    throw InputError::At(path, 0, "is a directory, not a table file");
  }
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw InputError::At(path, 0, std::string("cannot open file: ") + std::strerror(errno));

  // One read into a buffer sized from the file system; the loop also covers pipes and files that grow.
  std::size_t size_hint = 0;
  if (status.type() == std::filesystem::file_type::regular) {
    std::error_code size_error;
    const auto file_size = std::filesystem::file_size(path, size_error);
    if (!size_error) size_hint = static_cast<std::size_t>(file_size);
  }
  FileContents result;
  std::string& bytes = result.bytes;
  bytes.resize(size_hint + 1 + kReadPadding);  // +1 so the EOF read needs no reallocation
  std::size_t size = 0;
  while (true) {
    if (size == bytes.size()) bytes.resize(std::max<std::size_t>(bytes.size() * 2, 1 << 16));
    const std::size_t got = std::fread(bytes.data() + size, 1, bytes.size() - size, file.get());
    size += got;
    if (got == 0) {
      if (std::ferror(file.get())) {
        throw InputError::At(path, 0, std::string("cannot read file: ") + std::strerror(errno));
      }
      break;
    }
  }
  bytes.resize(size + kReadPadding);
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(size), bytes.end(), '\0');
  result.content = std::string_view(bytes.data(), size);
  // Excel's "Unicode text" and PowerShell write UTF-16: say so rather than "invalid UTF-8".
  if (result.content.starts_with("\xFF\xFE") || result.content.starts_with("\xFE\xFF")) {
    throw InputError::At(path, 1, "UTF-16 text (its byte order mark says so); matchmaker reads UTF-8: re-encode the "
                                  "file, e.g. iconv -f UTF-16 -t UTF-8");
  }
  return result;
}

// Offset of the first byte that does not start a well-formed UTF-8 sequence (no overlongs, no
// surrogates, nothing above U+10FFFF), or kNotFound. It finds the byte where text::decode_utf8 would replace it, so
// that the error can name where the bad text is.
std::size_t find_invalid_utf8(std::string_view text, std::size_t from = 0) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t pos = from;
  while (pos < size) {
    // Most table text is ASCII: test eight bytes at once.
    if (pos + 8 <= size) {
      std::uint64_t word;
      std::memcpy(&word, bytes + pos, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        pos += 8;
        continue;
      }
    }
    const unsigned char lead = bytes[pos];
    if (lead < 0x80) {
      ++pos;
      continue;
    }
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_min = 0xA0;  // overlong
      if (lead == 0xED) second_max = 0x9F;  // UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_min = 0x90;  // overlong
      if (lead == 0xF4) second_max = 0x8F;  // above U+10FFFF
    } else {
      return pos;
    }
    if (pos + length > size) return pos;
    if (bytes[pos + 1] < second_min || bytes[pos + 1] > second_max) return pos;
    for (std::size_t k = 2; k < length; ++k) {
      if ((bytes[pos + k] & 0xC0) != 0x80) return pos;
    }
    pos += length;
  }
  return kNotFound;
}

// 'value' for an error message: one line, bounded length, invalid bytes shown as \xNN.
std::string quote_for_message(std::string_view value) {
  std::string out = "'";
  const bool truncated = value.size() > kMaxQuotedValue;
  if (truncated) value = value.substr(0, kMaxQuotedValue);
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t bad = find_invalid_utf8(value, pos);
    if (bad == kNotFound) bad = value.size();
    for (; pos < bad; ++pos) {
      const char c = value[pos];
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned char>(c));
        out += escaped;
      } else {
        out += c;
      }
    }
    if (pos < value.size()) {
      // A truncation may cut a valid sequence; it is still shown escaped, which is harmless.
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned char>(value[pos]));
      out += escaped;
      ++pos;
    }
  }
  out += truncated ? "...'" : "'";
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += quote_for_message(name);
  }
  return out.empty() ? "(none)" : out;
}

TableFormat format_from_extension(const std::string& path) {
  const std::string extension = text::lower_extension(path);
  if (extension == ".tsv" || extension == ".tab") return TableFormat::kTsv;
  if (extension == ".jsonl" || extension == ".ndjson") return TableFormat::kJsonl;
  return TableFormat::kCsv;
}

// Rejects empty and repeated ids as rows are read (row numbers 0, 1, 2... in check() order).
// Open addressing over row numbers: the ids stay wherever the reader keeps them and are fetched through
// id_of(row), so a slot is 8 bytes and a lookup costs about one cache miss. std::unordered_map's node
// chasing cost several and dominated the time to read a million-row file.
template <typename IdOf>
class IdChecker {
 public:
  IdChecker(const std::string& path, const std::string& id_column, IdOf id_of, std::size_t expected_rows)
      : path_(path), id_column_(id_column), id_of_(std::move(id_of)) {
    std::size_t capacity = 16;
    while (capacity < expected_rows * 2) capacity *= 2;
    slots_.resize(capacity);
    row_lines_.reserve(expected_rows);
  }

  // REQUIRES: id_of(row) returns `id` for every row checked earlier, from the next call on.
  void check(std::string_view id, std::size_t line) {
    if (id.empty()) throw InputError::At(path_, line, "empty id in column " + quote_for_message(id_column_));
    if (row_lines_.size() >= kMaxRows)
      throw InputError::At(path_, line, "too many records (the limit is 2^32 - 1)");
    if ((row_lines_.size() + 1) * 2 > slots_.size()) grow();
    const auto row = static_cast<std::uint32_t>(row_lines_.size());
    const std::size_t hash = std::hash<std::string_view>{}(id);
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t slot_idx = hash & mask;; slot_idx = (slot_idx + 1) & mask) {
      Slot& slot = slots_[slot_idx];
      if (slot.row_plus_one == 0) {
        slot = Slot{tag, row + 1};
        break;
      }
      if (slot.tag == tag && id_of_(slot.row_plus_one - 1) == id) {
        throw InputError::At(path_, line,
                             "duplicate id " + quote_for_message(id) + " (first on line " +
                                 std::to_string(row_lines_[slot.row_plus_one - 1]) + ")");
      }
    }
    row_lines_.push_back(line);
  }

 private:
  static constexpr std::size_t kMaxRows =
      0xFFFFFFFEu;  // row + 1 must fit a slot; Table::id_index uses uint32

  struct Slot {
    std::uint32_t tag = 0;           // high hash bits: most mismatches are rejected without fetching the id
    std::uint32_t row_plus_one = 0;  // 0: empty
  };

  void grow() {
    const std::vector<Slot> old_slots = std::exchange(slots_, std::vector<Slot>(slots_.size() * 2));
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& old_slot : old_slots) {
      if (old_slot.row_plus_one == 0) continue;
      const std::size_t hash = std::hash<std::string_view>{}(id_of_(old_slot.row_plus_one - 1));
      std::size_t slot_idx = hash & mask;
      while (slots_[slot_idx].row_plus_one != 0) slot_idx = (slot_idx + 1) & mask;
      slots_[slot_idx] = old_slot;
    }
  }

  const std::string& path_;
  const std::string& id_column_;
  IdOf id_of_;
  std::vector<Slot> slots_;
  std::vector<std::size_t> row_lines_;  // line where each row starts, to name the first of two duplicates
};

// Physical lines bound the record count from above (quoted line breaks only make it an overestimate).
std::size_t count_lines(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// ---------------------------------------------------------------------------------------------------
// CSV / TSV

// "column 'name'", or "field N" where the header has no name for it (the header itself, a ragged row).
std::string column_label(std::size_t field_index, const std::vector<std::string>& column_names) {
  if (field_index < column_names.size()) return "column " + quote_for_message(column_names[field_index]);
  return "field " + std::to_string(field_index + 1);
}

// Splits RFC 4180 records out of a mutable buffer. Quoted fields are unescaped in place (the unescaped
// text is never longer than the quoted text), so a field is always a view into the buffer and reading
// costs no allocation per field.
class DelimitedScanner {
 public:
  DelimitedScanner(const std::string& path, char* data, std::size_t begin, std::size_t end, char delimiter)
      : path_(path), data_(data), pos_(begin), end_(end), delimiter_(delimiter) {
    ends_field_[static_cast<unsigned char>(delimiter)] = true;
    ends_field_[static_cast<unsigned char>('\n')] = true;
    ends_field_[static_cast<unsigned char>('\r')] = true;
  }

  // Reads the next record into `fields` (views into the buffer) and the buffer offset where each raw
  // field starts into `field_starts`. Returns false at the end of input, including when only line
  // breaks remain (a blank line at the end is not a record). `column_names` only labels errors.
  bool next(std::vector<std::string_view>& fields, std::vector<std::size_t>& field_starts,
            const std::vector<std::string>& column_names) {
    fields.clear();
    field_starts.clear();
    if (pos_ >= end_) return false;
    if (is_line_break(data_[pos_]) && only_line_breaks_remain()) {
      pos_ = end_;
      return false;
    }
    record_line_ = line_;
    while (true) {
      field_starts.push_back(pos_);
      if (pos_ < end_ && data_[pos_] == '"') {
        fields.push_back(scan_quoted_field(fields.size(), column_names));
      } else {
        const std::size_t begin = pos_;
        while (pos_ < end_ && !ends_field_[static_cast<unsigned char>(data_[pos_])]) ++pos_;
        fields.emplace_back(data_ + begin, pos_ - begin);
      }
      if (pos_ >= end_) return true;  // the final line break is optional
      const char c = data_[pos_];
      if (c == delimiter_) {
        ++pos_;
        continue;
      }
      skip_line_break();
      return true;
    }
  }

  std::size_t record_line() const { return record_line_; }
  std::size_t position() const { return pos_; }

 private:
  static bool is_line_break(char c) { return c == '\n' || c == '\r'; }

  bool only_line_breaks_remain() const {
    for (std::size_t pos = pos_; pos < end_; ++pos) {
      if (!is_line_break(data_[pos])) return false;
    }
    return true;
  }

  // LF, CRLF and a lone CR (old Mac files) each end one line.
  void skip_line_break() {
    if (data_[pos_] == '\r' && pos_ + 1 < end_ && data_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  std::string_view scan_quoted_field(std::size_t field_index, const std::vector<std::string>& column_names) {
    const std::size_t quote_line = line_;
    ++pos_;  // opening quote
    const std::size_t value_begin = pos_;
    std::size_t out = pos_;
    while (true) {
      // Find the next quote with memchr: long quoted texts are copied in bulk, not byte by byte.
      const void* quote = std::memchr(data_ + pos_, '"', end_ - pos_);
      const std::size_t quote_pos =
          quote ? static_cast<std::size_t>(static_cast<const char*>(quote) - data_) : end_;
      count_line_breaks(pos_, quote_pos);
      if (out != pos_) std::memmove(data_ + out, data_ + pos_, quote_pos - pos_);
      out += quote_pos - pos_;
      pos_ = quote_pos;
      if (pos_ >= end_) {
        throw InputError::At(path_, record_line_,
                             "unterminated quoted field in " + column_label(field_index, column_names) +
                                 " (the quote opens on line " + std::to_string(quote_line) + ")");
      }
      if (pos_ + 1 < end_ && data_[pos_ + 1] == '"') {  // doubled quote: one literal quote
        data_[out++] = '"';
        pos_ += 2;
        continue;
      }
      ++pos_;  // closing quote
      break;
    }
    if (pos_ < end_ && data_[pos_] != delimiter_ && !is_line_break(data_[pos_])) {
      throw InputError::At(path_, record_line_,
                           "unexpected character " + quote_for_message(std::string_view(data_ + pos_, 1)) +
                               " after the closing quote in " + column_label(field_index, column_names) +
                               " on line " + std::to_string(line_) +
                               " (a quote inside a quoted field must be doubled)");
    }
    return std::string_view(data_ + value_begin, out - value_begin);
  }

  // Line breaks inside quoted fields still advance the physical line number used in messages.
  void count_line_breaks(std::size_t begin, std::size_t end) {
    const std::string_view text(data_ + begin, end - begin);
    line_ += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));  // vectorised
    if (text.find('\r') == kNotFound) return;
    for (std::size_t pos = begin; pos < end; ++pos) {  // a lone CR is a line break too
      if (data_[pos] == '\r' && !(pos + 1 < end_ && data_[pos + 1] == '\n')) ++line_;
    }
  }

  const std::string& path_;
  char* data_;
  std::size_t pos_;
  std::size_t end_;
  char delimiter_;
  std::array<bool, 256> ends_field_{};
  std::size_t line_ = 1;
  std::size_t record_line_ = 1;
};

// Index of the field holding buffer offset `offset`, given where each field starts.
std::size_t field_at_offset(const std::vector<std::size_t>& field_starts, std::size_t offset) {
  const auto after = std::upper_bound(field_starts.begin(), field_starts.end(), offset);
  return after == field_starts.begin() ? 0 : static_cast<std::size_t>(after - field_starts.begin() - 1);
}

Table read_delimited(const TableReadOptions& options, char delimiter) {
  const std::string& path = options.path;
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
    throw InputError::At(path, 0, "invalid delimiter " + quote_for_message(std::string_view(&delimiter, 1)));
  }
  FileContents file = read_whole_file(path);
  std::size_t begin = 0;
  if (file.content.starts_with(kUtf8Bom)) begin = kUtf8Bom.size();
  const std::size_t end = file.content.size();
  // One validation pass over the whole buffer; the rare failure is then attributed to a line and column
  // while scanning, which costs nothing when the input is valid.
  // A NUL byte is valid UTF-8 but no text: a UTF-16 file is full of them, and a stray one changed a
  // field's scores without a word. It is reported the same way.
  const std::size_t nul = file.content.find('\0', begin);
  const std::size_t bad_utf8 = std::min(find_invalid_utf8(file.content, begin), nul);
  const std::string bad_text = bad_utf8 == nul ? std::string("a NUL byte (is the file UTF-16, or binary?)") : "invalid UTF-8";

  DelimitedScanner scanner(path, file.bytes.data(), begin, end, delimiter);
  std::vector<std::string_view> fields;
  std::vector<std::size_t> field_starts;
  const std::vector<std::string> no_names;

  if (!scanner.next(fields, field_starts, no_names)) throw InputError::At(path, 0, "empty file (no header)");
  if (bad_utf8 < scanner.position()) {
    throw InputError::At(path, scanner.record_line(),
                         bad_text + " in the header (field " +
                             std::to_string(field_at_offset(field_starts, bad_utf8) + 1) + ")" + text::kReencodeHint);
  }
  std::vector<std::string> columns;
  columns.reserve(fields.size());
  for (std::size_t field_idx = 0; field_idx < fields.size(); ++field_idx) {
    const std::string name(text::trim(fields[field_idx]));
    // A repeated name would make every lookup by name ambiguous, so it is an error, not a guess.
    const auto previous = std::find(columns.begin(), columns.end(), name);
    if (previous != columns.end()) {
      throw InputError::At(path, scanner.record_line(),
                           "duplicate column name " + quote_for_message(name) + " (fields " +
                               std::to_string(previous - columns.begin() + 1) + " and " +
                               std::to_string(field_idx + 1) + ")");
    }
    columns.push_back(name);
  }
  const auto id_it = options.id_column.empty() ? columns.begin()
                                               : std::find(columns.begin(), columns.end(), options.id_column);
  if (id_it == columns.end()) {
    std::string hint;
    if (columns.size() == 1 && delimiter == ',' &&
        (columns[0].find(';') != std::string::npos || columns[0].find('\t') != std::string::npos)) {
      hint = " (is the delimiter right?)";
    }
    throw InputError::At(path, scanner.record_line(),
                         "missing id column " + quote_for_message(options.id_column) +
                             "; available columns: " + join_names(columns) + hint);
  }
  const std::size_t id_column = static_cast<std::size_t>(id_it - columns.begin());
  const std::size_t num_columns = columns.size();

  Table table(path, columns, id_column);
  const auto id_of = [&table](std::uint32_t row) { return table.id(row); };
  IdChecker ids(path, columns[id_column], id_of, count_lines(file.content.substr(scanner.position())));
  while (scanner.next(fields, field_starts, columns)) {
    const std::size_t line = scanner.record_line();
    if (fields.size() != num_columns) {
      throw InputError::At(path, line,
                           "ragged row: expected " + std::to_string(num_columns) +
                               " fields (as in the header), found " + std::to_string(fields.size()));
    }
    if (bad_utf8 < scanner.position()) {
      throw InputError::At(
          path, line,
          bad_text + " in " + column_label(field_at_offset(field_starts, bad_utf8), columns) + text::kReencodeHint);
    }
    if (options.unique_ids) ids.check(fields[id_column], line);
    table.append_row(fields);
  }
  if (table.num_rows() == 0) throw InputError::At(path, 0, "no records after the header");
  return table;
}

// ---------------------------------------------------------------------------------------------------
// JSONL

// Where one top-level member of a JSON object sits in its line.
struct RawMember {
  std::size_t key_begin;  // the key's opening quote
  std::size_t key_end;    // one past the key's closing quote
  std::size_t value_begin;
  std::size_t value_end;  // one past the value's last character
};

bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Index one past the string that opens at `pos` (or text.size() if unterminated).
std::size_t skip_json_string(std::string_view text, std::size_t pos) {
  for (++pos; pos < text.size(); ++pos) {
    if (text[pos] == '\\') {
      ++pos;
    } else if (text[pos] == '"') {
      return pos + 1;
    }
  }
  return text.size();
}

// Locates the top-level members of an object's text. simdjson's DOM keeps neither source positions nor
// the original spelling of numbers; this scan recovers both. Exact for valid JSON, and merely stops
// early (never reads out of bounds) on anything else, so it also serves to place invalid UTF-8.
void split_top_level_members(std::string_view text, std::vector<RawMember>& members) {
  members.clear();
  std::size_t pos = 0;
  const auto skip_whitespace = [&] {
    while (pos < text.size() && is_json_whitespace(text[pos])) ++pos;
  };
  skip_whitespace();
  if (pos >= text.size() || text[pos] != '{') return;
  ++pos;
  while (true) {
    skip_whitespace();
    if (pos >= text.size() || text[pos] != '"') return;
    RawMember member{};
    member.key_begin = pos;
    pos = skip_json_string(text, pos);
    member.key_end = pos;
    skip_whitespace();
    if (pos >= text.size() || text[pos] != ':') return;
    ++pos;
    skip_whitespace();
    member.value_begin = pos;
    int depth = 0;
    while (pos < text.size()) {
      const char c = text[pos];
      if (c == '"') {
        pos = skip_json_string(text, pos);
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
      ++pos;
    }
    member.value_end = pos;
    while (member.value_end > member.value_begin && is_json_whitespace(text[member.value_end - 1])) {
      --member.value_end;
    }
    members.push_back(member);
    if (pos >= text.size() || text[pos] != ',') return;
    ++pos;
  }
}

// Appends valid JSON text without the whitespace outside strings ("compact JSON text").
void append_compact_json(std::string_view json, std::string& out) {
  std::size_t pos = 0;
  while (pos < json.size()) {
    const char c = json[pos];
    if (c == '"') {
      const std::size_t end = skip_json_string(json, pos);
      out.append(json.substr(pos, end - pos));
      pos = end;
    } else {
      if (!is_json_whitespace(c)) out += c;
      ++pos;
    }
  }
}

const char* json_type_name(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// std::string keys looked up by std::string_view without building a temporary string per JSON key.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

Table read_jsonl(const TableReadOptions& options) {
  // Keys have no order a user could rely on, so JSONL always names its id key, and ids are unique.
  if (options.id_column.empty() || !options.unique_ids) {
    throw InputError::At(options.path, 0, "JSONL input needs a named, unique id key (gold files must be CSV or TSV)");
  }
  const std::string& path = options.path;
  const FileContents file = read_whole_file(path);
  const std::string_view content = file.content;
  std::size_t pos = content.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;
  const std::size_t bad_utf8 = find_invalid_utf8(content, pos);

  // Columns are known only after the last line, so cells are collected first and laid out at the end.
  struct Cell {
    std::size_t column;
    std::size_t offset;  // into values
    std::size_t length;
  };
  std::string values;
  std::vector<Cell> cells;
  std::vector<std::size_t> row_first_cell;
  std::vector<std::string> columns;
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> column_index;
  std::vector<std::size_t> column_last_row;  // catches a key repeated inside one object
  std::vector<std::size_t> row_id_cell;      // index into cells of each row's id
  const auto id_of = [&](std::uint32_t row) {
    const Cell& cell = cells[row_id_cell[row]];
    return std::string_view(values).substr(cell.offset, cell.length);
  };
  IdChecker ids(path, options.id_column, id_of, count_lines(content));

  simdjson::dom::parser parser;
  std::vector<RawMember> members;
  std::size_t line_number = 0;
  std::string numbers_quoted;  // a line whose over-long numbers are read again as strings
  while (pos < content.size()) {
    ++line_number;
    std::size_t line_end = content.find('\n', pos);
    if (line_end == kNotFound) line_end = content.size();
    const std::string_view line = content.substr(pos, line_end - pos);
    const std::size_t line_offset = pos;
    pos = line_end + 1;
    if (std::all_of(line.begin(), line.end(), is_json_whitespace)) continue;  // blank lines are skipped

    if (bad_utf8 >= line_offset && bad_utf8 < line_offset + line.size()) {
      const std::size_t bad = bad_utf8 - line_offset;
      split_top_level_members(line, members);
      std::string where;
      for (const RawMember& member : members) {
        if (member.key_begin <= bad) {
          where = " in column " +
                  quote_for_message(line.substr(member.key_begin + 1, member.key_end - member.key_begin - 2));
        }
      }
      throw InputError::At(path, line_number, "invalid UTF-8" + where + text::kReencodeHint);
    }

    // The line is parsed in place: the bytes after it (the rest of the file, then the zero padding)
    // are readable, which is all simdjson needs.
    simdjson::dom::element document;
    if (auto error = parser.parse(line.data(), line.size(), false).get(document)) {
      // Valid JSON numbers beyond 64 bits (an EAN as a number, 1e400) are refused by the parser: a
      // cell keeps a number's text anyway, so such top-level values are read again as strings.
      const bool number_error = error == simdjson::NUMBER_ERROR ||
                                error == simdjson::NUMBER_OUT_OF_RANGE;
      if (number_error) {
        split_top_level_members(line, members);
        numbers_quoted.assign(line);
        for (auto member = members.rbegin(); member != members.rend(); ++member) {
          const char first = line[member->value_begin];
          if (first == '-' || (first >= '0' && first <= '9')) {
            numbers_quoted.insert(member->value_end, 1, '"');
            numbers_quoted.insert(member->value_begin, 1, '"');
          }
        }
        error = parser.parse(numbers_quoted).get(document);
      }
      if (error) throw InputError::At(path, line_number, std::string("invalid JSON: ") + simdjson::error_message(error));
    }
    simdjson::dom::object object;
    if (document.get(object)) {
      throw InputError::At(path, line_number,
                           std::string("not a JSON object (found ") + json_type_name(document.type()) + ")");
    }
    split_top_level_members(line, members);
    // Both walks see the members in source order; they can only disagree on invalid JSON, which the
    // parser has already rejected.
    const bool have_raw = members.size() == object.size();

    const std::size_t row = row_first_cell.size();
    row_first_cell.push_back(cells.size());
    bool has_id = false;
    std::size_t member_idx = 0;
    for (const auto [key, value] : object) {
      const RawMember* raw = have_raw ? &members[member_idx] : nullptr;
      ++member_idx;
      std::size_t column;
      if (const auto found = column_index.find(key); found != column_index.end()) {
        column = found->second;
        if (column_last_row[column] == row) {
          throw InputError::At(path, line_number, "duplicate key " + quote_for_message(key));
        }
        column_last_row[column] = row;
      } else {
        column = columns.size();
        column_index.emplace(std::string(key), column);
        columns.emplace_back(key);
        column_last_row.push_back(row);
      }

      // The text goes straight into `values`; a cell is recorded only if it is not empty.
      const std::size_t value_offset = values.size();
      const auto type = value.type();
      switch (type) {
        case simdjson::dom::element_type::STRING:
          values += value.get_string().value_unsafe();
          break;
        case simdjson::dom::element_type::INT64:
        case simdjson::dom::element_type::UINT64:
        case simdjson::dom::element_type::DOUBLE:
          // The number as written: "19.90" stays "19.90", not the double's shortest form "19.9".
          if (raw) {
            values += line.substr(raw->value_begin, raw->value_end - raw->value_begin);
          } else {
            values += simdjson::to_string(value);
          }
          break;
        case simdjson::dom::element_type::BOOL:
          values += value.get_bool().value_unsafe() ? "true" : "false";
          break;
        case simdjson::dom::element_type::NULL_VALUE:
          break;
        case simdjson::dom::element_type::ARRAY:
        case simdjson::dom::element_type::OBJECT:
          if (raw) {
            append_compact_json(line.substr(raw->value_begin, raw->value_end - raw->value_begin), values);
          } else {
            values += simdjson::to_string(value);
          }
          break;
      }
      const std::size_t value_length = values.size() - value_offset;

      if (key == options.id_column) {
        has_id = true;
        if (type == simdjson::dom::element_type::NULL_VALUE) {
          throw InputError::At(path, line_number,
                               "empty id in column " + quote_for_message(options.id_column) + " (null)");
        }
        if (type == simdjson::dom::element_type::BOOL || type == simdjson::dom::element_type::ARRAY ||
            type == simdjson::dom::element_type::OBJECT) {
          throw InputError::At(path, line_number,
                               "id in column " + quote_for_message(options.id_column) +
                                   " must be a string or a number, found " + json_type_name(type));
        }
        ids.check(std::string_view(values).substr(value_offset), line_number);
        row_id_cell.push_back(cells.size());  // check() rejected an empty id, so this cell is pushed below
      }
      if (value_length > 0) cells.push_back(Cell{column, value_offset, value_length});
    }
    if (!has_id) {
      std::vector<std::string> keys;
      for (const auto [key, value] : object) keys.emplace_back(key);
      throw InputError::At(path, line_number,
                           "missing id column " + quote_for_message(options.id_column) +
                               "; this record has keys: " + join_names(keys));
    }
  }
  if (row_first_cell.empty()) throw InputError::At(path, 0, "empty file (no records)");

  const std::size_t id_column = column_index.find(options.id_column)->second;
  const std::size_t num_rows = row_first_cell.size();
  row_first_cell.push_back(cells.size());
  Table table(path, columns, id_column);
  std::vector<std::string_view> row_cells(columns.size(), kEmptyCell);
  for (std::size_t row = 0; row < num_rows; ++row) {
    std::fill(row_cells.begin(), row_cells.end(), kEmptyCell);
    for (std::size_t cell_idx = row_first_cell[row]; cell_idx < row_first_cell[row + 1]; ++cell_idx) {
      const Cell& cell = cells[cell_idx];
      row_cells[cell.column] = std::string_view(values).substr(cell.offset, cell.length);
    }
    table.append_row(row_cells);
  }
  return table;
}

}  // namespace

TableFormat parse_table_format(const std::string& name) {
  if (name == "auto") return TableFormat::kAuto;
  if (name == "csv") return TableFormat::kCsv;
  if (name == "tsv") return TableFormat::kTsv;
  if (name == "jsonl") return TableFormat::kJsonl;
  throw InputError("unknown table format " + quote_for_message(name) + " (expected auto, csv, tsv or jsonl)");
}

Table read_table(const TableReadOptions& options) {
  TableFormat format = options.format;
  if (format == TableFormat::kAuto) format = format_from_extension(options.path);
  switch (format) {
    case TableFormat::kJsonl:
      // A delimiter given for JSONL was ignored without a word: the user expected another format.
      if (options.delimiter != '\0') throw InputError::At(options.path, 0, "a delimiter was given, but this is JSONL (no delimiter)");
      return read_jsonl(options);
    case TableFormat::kTsv:
      return read_delimited(options, options.delimiter != '\0' ? options.delimiter : '\t');
    case TableFormat::kCsv:
    case TableFormat::kAuto:
      break;
  }
  return read_delimited(options, options.delimiter != '\0' ? options.delimiter : ',');
}

}  // namespace matchmaker::io
