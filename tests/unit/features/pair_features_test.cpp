#include "features/pair_features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "text/encoded_table.h"
#include "text/tfidf.h"

namespace matchmaker::features {
namespace {

// IMDB-TVDB shaped: an episode on the left; on the right a title-less stub holding only its season
// and episode numbers, the real record with a long description, and an empty record.
struct Episodes {
  Table left{"imdb.csv", {"id", "title", "episode", "season"}, 0};
  Table right{"tvdb.csv", {"id", "title", "episode", "season", "abstract"}, 0};
  Episodes() {
    left.append_row(std::vector<std::string>{"q", "Chapter 58", "6", "5"});
    right.append_row(std::vector<std::string>{"stub", "", "6", "5", ""});
    right.append_row(std::vector<std::string>{"real", "Chapter 58", "6", "5",
                                              "Suspected Russian forces take over an American station in Antarctica "
                                              "while the president weighs a response and the campaign goes on"});
    right.append_row(std::vector<std::string>{"empty", "", "", "", ""});
    // Filler so that idf tells rare words from common ones.
    for (int idx = 0; idx < 20; ++idx) {
      right.append_row(std::vector<std::string>{"f" + std::to_string(idx), "Episode " + std::to_string(idx),
                                                std::to_string(idx % 7), "1", "a story"});
    }
  }
};

struct Computed {
  FeatureMatrix matrix;
  float at(std::size_t pair, const std::string& name) const {
    const int column = matrix.find(name);
    EXPECT_GE(column, 0) << name;
    return matrix.at(pair, static_cast<std::size_t>(column));
  }
};

// Features of q against the first three right records, through the same steps as a match run.
Computed compute(const Episodes& data) {
  const auto alignment = text::AttributeAlignment::by_name(data.left, data.right);
  text::TableEncoder encoder;
  const auto left = encoder.encode(data.left, alignment.left_columns);
  const auto right = encoder.encode(data.right, alignment.right_columns);
  const auto word_idf = text::inverse_document_frequencies({&left.words, &right.words}, encoder.words().size());
  const auto gram_idf = text::inverse_document_frequencies({&left.grams, &right.grams}, encoder.grams().size());
  const auto left_words = text::tfidf_weight(left.words, word_idf), right_words = text::tfidf_weight(right.words, word_idf);
  const auto left_grams = text::tfidf_weight(left.grams, gram_idf), right_grams = text::tfidf_weight(right.grams, gram_idf);
  candidates::CandidatePairs pairs;
  pairs.num_left = 1;
  pairs.num_right = data.right.num_rows();
  for (std::uint32_t row = 0; row < 3; ++row) {
    pairs.left.push_back(0);
    pairs.right.push_back(row);
    pairs.score.push_back(0.5f - 0.1f * static_cast<float>(row));
    pairs.rank_in_left.push_back(static_cast<std::uint16_t>(row + 1));
    pairs.rank_in_right.push_back(1);
  }
  pairs.query_offsets = {0, 3};
  return {compute_pair_features({&left, &left_words, &left_grams}, {&right, &right_words, &right_grams}, alignment,
                                word_idf, pairs, PairFeatureOptions{})};
}

TEST(PairFeaturesTest, ContainmentTellsAStubFromTheFullRecord) {
  const Computed computed = compute(Episodes{});
  constexpr std::size_t kStub = 0, kReal = 1, kEmpty = 2;
  // The stub holds only the numbers: a small share of the query's rare words, but all of its own.
  EXPECT_LT(computed.at(kStub, "left's words found in right"), 0.5f);
  EXPECT_FLOAT_EQ(computed.at(kStub, "right's words found in left"), 1.0f);
  // The real record holds every word of the query, and much besides.
  EXPECT_FLOAT_EQ(computed.at(kReal, "left's words found in right"), 1.0f);
  EXPECT_LT(computed.at(kReal, "right's words found in left"), 0.5f);
  // Nothing to compare with an empty record: missing, not zero.
  EXPECT_TRUE(std::isnan(computed.at(kEmpty, "left's words found in right")));
  EXPECT_TRUE(std::isnan(computed.at(kEmpty, "right's words found in left")));
}

TEST(PairFeaturesTest, EveryColumnIsNamedWithADirectionAndOneRowPerPair) {
  const Computed computed = compute(Episodes{});
  EXPECT_EQ(computed.matrix.num_rows, 3u);
  EXPECT_EQ(computed.matrix.monotone.size(), computed.matrix.names.size());
  EXPECT_EQ(computed.matrix.values.size(), 3 * computed.matrix.names.size());
  // The title is the same: full agreement; the stub has no title to agree on.
  EXPECT_FLOAT_EQ(computed.at(1, "title levenshtein ratio"), 1.0f);
  EXPECT_TRUE(std::isnan(computed.at(0, "title levenshtein ratio")));
}

}  // namespace
}  // namespace matchmaker::features
