#include "text/encoded_table.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "text/normalize.h"
#include "text/tokenize.h"

namespace matchmaker::text {
namespace {

// More rows than one normalising chunk (16,384), with Unicode, empty cells, numbers and model codes,
// so that chunk boundaries and every kind of cell are crossed.
Table shop_table(std::size_t num_rows) {
  Table table{"shop.csv", {"id", "title", "brand", "price"}, 0};
  const std::vector<std::string> words{"Café", "ÉCRAN", "sony", "dsc-w55", "Straße", "blu‑ray", "", "x"};
  for (std::size_t row = 0; row < num_rows; ++row) {
    std::string title = words[row % words.size()] + " " + words[(row / 3) % words.size()] + " item" + std::to_string(row % 997);
    std::string brand = row % 5 == 0 ? "" : words[(row / 7) % words.size()];
    std::string price = row % 4 == 0 ? "" : "$" + std::to_string(row % 300) + ".99";
    table.append_row(std::vector<std::string>{"r" + std::to_string(row), title, brand, price});
  }
  return table;
}

EncodedTable encode_with_threads(const Table& table, int threads, TableEncoder& encoder) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  EncodedTable encoded = encoder.encode(table, {1, 2, 3});
  omp_set_num_threads(before);
  return encoded;
}

void expect_same_rows(const SparseRows& a, const SparseRows& b) {
  ASSERT_EQ(a.num_rows(), b.num_rows());
  for (std::size_t row = 0; row < a.num_rows(); ++row) {
    const auto terms_a = a.row_terms(row), terms_b = b.row_terms(row);
    const auto values_a = a.row_values(row), values_b = b.row_values(row);
    ASSERT_EQ(std::vector<std::uint32_t>(terms_a.begin(), terms_a.end()), std::vector<std::uint32_t>(terms_b.begin(), terms_b.end()))
        << "row " << row;
    ASSERT_EQ(std::vector<float>(values_a.begin(), values_a.end()), std::vector<float>(values_b.begin(), values_b.end()))
        << "row " << row;
  }
}

// The distinct ids `vocabulary` gives `terms`, ascending (a SparseRows row's terms); throws when one is
// missing.
std::vector<std::uint32_t> sorted_ids(const Vocabulary& vocabulary, const std::vector<std::string_view>& terms) {
  std::vector<std::uint32_t> ids;
  for (auto term : terms) ids.push_back(vocabulary.find(term).value());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::vector<std::uint32_t> row_terms(const SparseRows& rows, std::size_t row) {
  const auto terms = rows.row_terms(row);
  return {terms.begin(), terms.end()};
}

TEST(TableEncoderTest, IdsDoNotDependOnTheThreadCount) {
  const Table table = shop_table(40000);
  TableEncoder one_thread, two_threads;
  const EncodedTable a = encode_with_threads(table, 1, one_thread);
  const EncodedTable b = encode_with_threads(table, 2, two_threads);
  expect_same_rows(a.words, b.words);
  expect_same_rows(a.grams, b.grams);
  expect_same_rows(a.codes, b.codes);
  ASSERT_EQ(a.attributes.size(), 3u);
  for (std::size_t attribute = 0; attribute < a.attributes.size(); ++attribute) {
    EXPECT_EQ(a.attributes[attribute].arena, b.attributes[attribute].arena);
    EXPECT_EQ(a.attributes[attribute].offsets, b.attributes[attribute].offsets);
    expect_same_rows(a.attributes[attribute].words, b.attributes[attribute].words);
  }
  ASSERT_EQ(one_thread.words().size(), two_threads.words().size());
  for (std::uint32_t id = 0; id < one_thread.words().size(); ++id) EXPECT_EQ(one_thread.words().term(id), two_threads.words().term(id));
}

TEST(TableEncoderTest, EachRecordHoldsItsNormalisedCellsJoined) {
  const Table table = shop_table(20000);
  TableEncoder encoder;
  const EncodedTable encoded = encode_with_threads(table, 2, encoder);
  ASSERT_EQ(encoded.num_rows(), table.num_rows());
  std::vector<std::string_view> tokens, grams;
  std::string padded;
  for (std::size_t row : {std::size_t{0}, std::size_t{5}, std::size_t{16383}, std::size_t{16384}, std::size_t{19999}}) {
    // The record's words are those of its non-id cells, normalised; the id is left out.
    std::string text;
    for (std::size_t column = 1; column < table.num_columns(); ++column) {
      const std::string cell = normalize(table.cell(row, column));
      if (cell.empty()) continue;
      if (!text.empty()) text.push_back(' ');
      text += cell;
    }
    word_tokens(text, tokens);
    EXPECT_EQ(row_terms(encoded.words, row), sorted_ids(encoder.words(), tokens)) << "row " << row;
    // Its 3-grams are the vocabulary's ids of the text's 3-grams, ASCII ones (a table of their own) and
    // Unicode ones alike.
    char_qgrams(text, TableEncoder::kGramSize, padded, grams);
    EXPECT_EQ(row_terms(encoded.grams, row), sorted_ids(encoder.grams(), grams)) << "row " << row;
    // Attributes keep their normalised value, and a price reads as a number only when filled.
    EXPECT_EQ(encoded.attributes[0].value(row), normalize(table.cell(row, 1))) << "row " << row;
    EXPECT_EQ(std::isnan(encoded.attributes[2].numbers[row]), table.cell(row, 3).empty()) << "row " << row;
  }
  EXPECT_FALSE(encoder.words().find("r5").has_value()) << "the id column is not text to match on";
  EXPECT_TRUE(encoder.grams().find("caf").has_value());
}

}  // namespace
}  // namespace matchmaker::text
