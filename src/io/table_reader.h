// Readers for tabular input: RFC 4180 CSV, TSV and JSONL. One function reads any of them into a Table.
#pragma once

#include <string>

#include "matchmaker/table.h"

namespace matchmaker::io {

enum class TableFormat { kAuto, kCsv, kTsv, kJsonl };

// Parses "auto", "csv", "tsv", "jsonl"; throws InputError listing the valid names otherwise.
TableFormat parse_table_format(const std::string& name);

struct TableReadOptions {
  std::string path;
  std::string id_column = "id";            // column whose values identify records; "" = the first column (CSV/TSV)
  bool unique_ids = true;                   // false: ids may repeat (gold files, link lists; CSV/TSV only)
  TableFormat format = TableFormat::kAuto;  // kAuto: by extension (.tsv/.tab, .jsonl/.ndjson, else CSV)
  char delimiter = '\0';                    // '\0': ',' for CSV, '\t' for TSV; ignored for JSONL
};

// Reads the whole table. Every record is kept; nothing is dropped silently.
// Throws InputError("FILE:LINE: problem") for: a missing or unreadable file, an empty table (no
// header, or a header and no record), a missing id column, an empty or duplicate id, a ragged row
// (field count differs from the header's), an unterminated quoted field, invalid UTF-8, a JSONL line
// that is not a JSON object. LINE is the physical line where the offending record starts.
//
// CSV: RFC 4180 — quoted fields with embedded delimiters, newlines and doubled quotes; CRLF or LF;
// a UTF-8 BOM is skipped; empty fields are empty strings; a final line break is optional; a blank
// line at the end of the file is ignored, a blank line elsewhere is a ragged row.
// JSONL: one object per line; columns are the union of keys in order of first appearance; strings are
// taken as they are, numbers and booleans as their JSON text, null or a missing key as empty; nested
// arrays/objects as their compact JSON text. The id may be a string or a number. Blank lines skipped.
Table read_table(const TableReadOptions& options);

}  // namespace matchmaker::io
