#include "candidates/pruned_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace matchmaker::candidates {
namespace {

// Appends one row of (term, value) entries; terms must be given ascending.
void add_row(text::SparseRows& rows, const std::vector<std::pair<std::uint32_t, float>>& entries) {
  for (const auto& [term, value] : entries) {
    rows.terms.push_back(term);
    rows.values.push_back(value);
  }
  rows.offsets.push_back(rows.terms.size());
}

float dot(const text::SparseRows& a, std::size_t row_a, const text::SparseRows& b, std::size_t row_b) {
  float sum = 0.0f;
  text::for_each_shared_term(a.row_terms(row_a), b.row_terms(row_b), [&](std::size_t idx_a, std::size_t idx_b) {
    sum += a.row_values(row_a)[idx_a] * b.row_values(row_b)[idx_b];
  });
  return sum;
}

// Random sparse rows over a Zipf-like vocabulary: low term ids are common, high ones rare.
text::SparseRows random_rows(std::size_t num_rows, std::uint32_t num_terms, std::uint32_t seed) {
  std::mt19937 random(seed);
  text::SparseRows rows;
  std::vector<std::uint32_t> terms;
  for (std::size_t row = 0; row < num_rows; ++row) {
    terms.clear();
    const int length = 3 + static_cast<int>(random() % 8);
    for (int idx = 0; idx < length; ++idx) {
      const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random);
      terms.push_back(static_cast<std::uint32_t>(std::pow(u, 3.0) * num_terms));
    }
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    std::vector<std::pair<std::uint32_t, float>> entries;
    for (const auto term : terms) entries.emplace_back(term, 0.1f + static_cast<float>(random() % 90) / 100.0f);
    add_row(rows, entries);
  }
  return rows;
}

TEST(PrunedSearchTest, ExhaustiveFindsEveryRowWithItsExactScore) {
  const text::SparseRows index_rows = random_rows(400, 300, 3);
  const text::SparseRows queries = random_rows(50, 300, 4);
  const InvertedIndex index(index_rows);
  PrunedSearch search(index, index_rows, PruningOptions::exhaustive());
  for (std::size_t query = 0; query < queries.num_rows(); ++query) {
    const auto found = search.search(queries.row_terms(query), queries.row_values(query), [](std::uint32_t) { return true; });
    std::size_t expected = 0;
    for (std::size_t row = 0; row < index_rows.num_rows(); ++row) expected += dot(queries, query, index_rows, row) > 0.0f;
    ASSERT_EQ(found.size(), expected) << "query " << query;
    for (const ScoredRow& hit : found) EXPECT_NEAR(hit.score, dot(queries, query, index_rows, hit.row), 1e-5f);
  }
}

TEST(PrunedSearchTest, PrunedScoresAreExactAndTheBestRowIsFound) {
  // Each query is a damaged copy of one index row: its rare terms find that row although the common
  // terms (ids below 30, held by most rows) are skipped in the first pass.
  const text::SparseRows index_rows = random_rows(2000, 3000, 5);
  text::SparseRows queries;
  for (std::size_t row = 0; row < 100; ++row) {
    std::vector<std::pair<std::uint32_t, float>> entries;
    const auto terms = index_rows.row_terms(row);
    const auto values = index_rows.row_values(row);
    for (std::size_t idx = 0; idx + 1 < terms.size(); ++idx) entries.emplace_back(terms[idx], values[idx]);  // drop one
    if (entries.empty()) entries.emplace_back(terms[0], values[0]);
    add_row(queries, entries);
  }
  const InvertedIndex index(index_rows);
  PruningOptions options;
  options.common_term_rows = 20;
  options.rows_rescored = 8;
  PrunedSearch search(index, index_rows, options);
  std::size_t skipped_some = 0;
  for (std::size_t query = 0; query < queries.num_rows(); ++query) {
    for (const auto term : queries.row_terms(query)) skipped_some += index.frequency(term) > 20 ? 1 : 0;
    const auto found = search.search(queries.row_terms(query), queries.row_values(query), [](std::uint32_t) { return true; });
    ASSERT_LE(found.size(), 8u);
    for (const ScoredRow& hit : found) EXPECT_NEAR(hit.score, dot(queries, query, index_rows, hit.row), 1e-5f);
    // The exhaustive best row (ties to the smaller row) is among those found.
    std::uint32_t best_row = 0;
    float best_score = -1.0f;
    for (std::uint32_t row = 0; row < index_rows.num_rows(); ++row) {
      const float score = dot(queries, query, index_rows, row);
      if (score > best_score + 1e-6f) best_score = score, best_row = row;
    }
    const bool has_best = std::any_of(found.begin(), found.end(), [&](const ScoredRow& hit) { return hit.row == best_row; });
    EXPECT_TRUE(has_best) << "query " << query;
  }
  EXPECT_GT(skipped_some, 0u) << "the test must exercise pruning";
}

TEST(PrunedSearchTest, CommonTermsAreSkippedUnlessAmongTheQuerysRarest) {
  // Term 0 is held by every row, term 1 by row 5 only. The query holds both.
  text::SparseRows index_rows;
  for (int row = 0; row < 10; ++row) {
    if (row == 5) add_row(index_rows, {{0, 0.5f}, {1, 0.5f}});
    else add_row(index_rows, {{0, 1.0f}});
  }
  const InvertedIndex index(index_rows);
  const std::vector<std::uint32_t> terms = {0, 1};
  const std::vector<float> values = {0.9f, 0.1f};
  PruningOptions options;
  options.common_term_rows = 3;
  options.rare_terms_kept = 1;
  PrunedSearch search(index, index_rows, options);
  const auto keep_all = [](std::uint32_t) { return true; };
  // Only the rare term is searched: row 5 alone, with its exact score on both terms.
  auto found = search.search(terms, values, keep_all);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].row, 5u);
  EXPECT_NEAR(found[0].score, 0.9f * 0.5f + 0.1f * 0.5f, 1e-6f);
  // With the two rarest terms kept, the common one is searched too: all ten rows.
  options.rare_terms_kept = 2;
  PrunedSearch wider(index, index_rows, options);
  EXPECT_EQ(wider.search(terms, values, keep_all).size(), 10u);
  // `keep` removes rows before the best are chosen.
  found = search.search(terms, values, [](std::uint32_t row) { return row != 5; });
  EXPECT_TRUE(found.empty());
}

}  // namespace
}  // namespace matchmaker::candidates
