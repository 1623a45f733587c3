// A table turned into integers: the normalised text of every record and aligned attribute, as word,
// 3-gram and model-code id lists. Everything after loading works on this, never on raw strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "matchmaker/table.h"
#include "text/sparse_rows.h"
#include "text/vocabulary.h"

namespace matchmaker::text {

// Which columns of the two tables describe the same attribute (same header name), in left-table order.
struct AttributeAlignment {
  std::vector<std::string> names;
  std::vector<std::size_t> left_columns;
  std::vector<std::size_t> right_columns;

  // Columns with the same name in both tables, the id columns excepted. With one table
  // (deduplication) pass it twice.
  static AttributeAlignment by_name(const Table& left, const Table& right);
};

// One attribute of one table: normalised values and their word ids.
struct EncodedAttribute {
  std::string arena;                              // normalised values, back to back
  std::vector<std::uint64_t> offsets{0};          // value r spans [offsets[r], offsets[r+1])
  SparseRows words;                               // word-id counts per record
  std::vector<float> numbers;                     // the value read as a number, or NaN

  std::string_view value(std::size_t row) const {
    return std::string_view(arena).substr(offsets[row], offsets[row + 1] - offsets[row]);
  }
};

struct EncodedTable {
  SparseRows words;   // whole record (every non-id field): word-id counts
  SparseRows grams;   // whole record: character 3-gram-id counts
  SparseRows codes;   // whole record: model-code ids (count 1 each)
  std::vector<EncodedAttribute> attributes;  // one per aligned attribute, in alignment order
  std::size_t num_rows() const { return words.num_rows(); }
};

// Holds the vocabularies shared by the tables it encodes, so equal strings get equal ids.
class TableEncoder {
 public:
  static constexpr int kGramSize = 3;

  // `attribute_columns` are this table's columns of the alignment (left_columns or right_columns).
  EncodedTable encode(const Table& table, const std::vector<std::size_t>& attribute_columns);

  const Vocabulary& words() const { return words_; }
  const Vocabulary& grams() const { return grams_; }
  const Vocabulary& codes() const { return codes_; }

 private:
  std::uint32_t intern_gram(std::string_view gram);

  Vocabulary words_;
  Vocabulary grams_;
  Vocabulary codes_;
  // Id + 1 of each all-ASCII 3-gram seen (0: not yet), indexed by its three 7-bit bytes: most records
  // are ASCII, and their 3-grams are most of the lookups (hash lookups were 44% of encoding; with this
  // table the normalise stage at 500k x 500k went from 15.1 to 10.9 s). Filled on first use.
  std::vector<std::uint32_t> ascii_gram_ids_;
};

}  // namespace matchmaker::text
