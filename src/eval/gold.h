// Gold standards: the pairs known to match, read from a two-column file.
#pragma once

#include <string>
#include <vector>

#include "eval/metrics.h"
#include "matchmaker/table.h"

namespace matchmaker::eval {

// Reads a gold file whose first two columns are a left id and a right id (header `left_id,right_id`,
// DistillER's `D1,D2`, or any other names). For deduplication pass the same table twice: pairs are
// stored as (smaller row, larger row). Returns sorted unique row pairs. Throws InputError naming the
// line for an id that is not in its table.
std::vector<RowPair> read_gold(const std::string& path, const Table& left, const Table& right, bool deduplicate);

// A gold file as read, before its ids are looked up: any header, ids repeating, at least two columns
// (else InputError naming the file and `columns`, e.g. "left id, right id").
Table read_gold_table(const std::string& path, const std::string& columns);

// Reads the left ids of the queries to score with query_accuracy(): either a DistillER responses JSON
// ({"responses": [{"query_id": ...}, ...]}) or a text file with one id per line. Returns left rows,
// sorted and unique. Throws InputError for an id that is not in `left`.
std::vector<std::uint32_t> read_query_ids(const std::string& path, const Table& left);

}  // namespace matchmaker::eval
