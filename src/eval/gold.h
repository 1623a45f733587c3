// Gold standards: the pairs known to match, read from a two-column file.
#pragma once

#include <string>
#include <vector>

#include "eval/metrics.h"
#include "matchmaker/table.h"

namespace matchmaker::eval {

// A gold file's pairs. A file with a `label` column (the Magellan / DeepMatcher splits' train, valid and
// test files: ltable_id,rtable_id,label) also lists known non-matches: its rows labelled 1 are the
// matches, those labelled 0 the non-matches. Without that column every row is a match.
struct GoldPairs {
  std::vector<RowPair> matches;      // sorted, unique
  std::vector<RowPair> non_matches;  // sorted, unique; empty without a label column
  bool labelled = false;             // the file has a label column
};

// Reads a gold file whose first two columns are a left id and a right id (header `left_id,right_id`,
// DistillER's `D1,D2`, or any other names), and its `label` column if it has one (1 or 0, also true or
// false). For deduplication pass the same table twice: pairs are stored as (smaller row, larger row).
// Throws InputError naming the line for an id that is not in its table, or a label that is not one.
GoldPairs read_gold_pairs(const std::string& path, const Table& left, const Table& right, bool deduplicate);
// The matches of read_gold_pairs(): what every use of gold but the labelled-pairs score needs.
std::vector<RowPair> read_gold(const std::string& path, const Table& left, const Table& right, bool deduplicate);

// A gold file as read, before its ids are looked up: any header, ids repeating, at least two columns
// (else InputError naming the file and `columns`, e.g. "left id, right id").
Table read_gold_table(const std::string& path, const std::string& columns);

// Throws InputError when the gold file's first line is no header but a record (its first field is
// an id the gold speaks of): read as a header, that pair would be lost without a word.
void refuse_headerless_gold(const std::string& path, const Table& gold, bool first_field_is_an_id);

// The queries to score with query_accuracy(), read from either a DistillER responses JSON
// ({"responses": [{"query_id": ..., "ground_answer": ...}, ...]}) or a text file with one id per line.
// Throws InputError for an id that is not in `left`.
struct EvalQueries {
  std::vector<std::uint32_t> rows;  // left rows, sorted and unique
  // Whether every response carries DistillER's `ground_answer`; then `blocking_missed` holds the rows
  // whose ground_answer is 0 (sorted): DistillER's own blocking showed no gold record for them, or there
  // is none. DistillER's scorer counts a "none" right on those; our query accuracy does not.
  bool has_ground_answers = false;
  std::vector<std::uint32_t> blocking_missed;
};
EvalQueries read_eval_queries(const std::string& path, const Table& left);

}  // namespace matchmaker::eval
