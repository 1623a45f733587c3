#include "candidates/tfidf_blocker.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "text/encoded_table.h"
#include "text/tfidf.h"

namespace matchmaker::candidates {
namespace {

// Two tables describing the same entities with realistic damage on the right side: dropped and
// swapped words, typos, and a few right-only distractors. Entity i on the left matches entity i on
// the right.
struct GeneratedPair {
  Table left{"left.csv", {"id", "name"}, 0};
  Table right{"right.csv", {"id", "name"}, 0};
  std::size_t num_entities = 0;
};

GeneratedPair generate(std::size_t num_entities, std::uint32_t seed) {
  std::mt19937 random(seed);
  const std::vector<std::string> syllables = {"ka", "lo", "mi", "ne", "ru", "ta", "shi", "vo", "ze", "pa", "qu", "ix"};
  auto word = [&] {
    std::string out;
    const int length = 2 + static_cast<int>(random() % 3);
    for (int idx = 0; idx < length; ++idx) out += syllables[random() % syllables.size()];
    return out;
  };
  GeneratedPair data;
  data.num_entities = num_entities;
  for (std::size_t entity = 0; entity < num_entities; ++entity) {
    std::vector<std::string> words;
    for (int idx = 0; idx < 5; ++idx) words.push_back(word());
    words.push_back("X" + std::to_string(100 + entity));  // a model-code-like token
    std::string left_text, right_text;
    for (const auto& token : words) left_text += token + " ";
    std::vector<std::string> damaged = words;
    damaged.erase(damaged.begin() + static_cast<std::ptrdiff_t>(random() % 5));  // drop a word
    std::swap(damaged[0], damaged[1]);                                            // reorder
    std::string& victim = damaged[random() % damaged.size()];
    if (victim.size() > 3) victim[random() % victim.size()] = 'z';  // a typo
    for (const auto& token : damaged) right_text += token + " ";
    data.left.append_row(std::vector<std::string>{"L" + std::to_string(entity), left_text});
    data.right.append_row(std::vector<std::string>{"R" + std::to_string(entity), right_text});
  }
  for (std::size_t distractor = 0; distractor < num_entities / 5; ++distractor) {
    data.right.append_row(std::vector<std::string>{"D" + std::to_string(distractor), word() + " " + word() + " " + word()});
  }
  return data;
}

struct Vectors {
  text::SparseRows left, right;
};

Vectors vectors_of(const Table& left, const Table& right) {
  text::TableEncoder encoder;
  const auto left_encoded = encoder.encode(left, {});
  const auto right_encoded = encoder.encode(right, {});
  const auto word_idf = text::inverse_document_frequencies({&left_encoded.words, &right_encoded.words}, encoder.words().size());
  const auto gram_idf = text::inverse_document_frequencies({&left_encoded.grams, &right_encoded.grams}, encoder.grams().size());
  return {text::combined_unit_vectors(text::tfidf_weight(left_encoded.words, word_idf), text::tfidf_weight(left_encoded.grams, gram_idf)),
          text::combined_unit_vectors(text::tfidf_weight(right_encoded.words, word_idf), text::tfidf_weight(right_encoded.grams, gram_idf))};
}

bool has_pair(const CandidatePairs& pairs, std::uint32_t left, std::uint32_t right) {
  for (auto pair = pairs.query_offsets[left]; pair < pairs.query_offsets[left + 1]; ++pair) {
    if (pairs.right[pair] == right) return true;
  }
  return false;
}

TEST(TfidfBlockerTest, FindsKnownMatchesOnGeneratedData) {
  const GeneratedPair data = generate(2000, 7);
  const Vectors vectors = vectors_of(data.left, data.right);
  BlockerOptions options;
  options.top_k = 10;
  const CandidatePairs pairs = generate_candidates(vectors.left, vectors.right, options);
  std::size_t found = 0;
  for (std::uint32_t entity = 0; entity < data.num_entities; ++entity) found += has_pair(pairs, entity, entity);
  const double completeness = static_cast<double>(found) / static_cast<double>(data.num_entities);
  EXPECT_GE(completeness, 0.99) << "pair completeness on damaged copies";
  // Both directions: at most 2k candidates per query.
  EXPECT_LE(pairs.num_pairs(), data.num_entities * 2 * 10);
}

TEST(TfidfBlockerTest, PrunedSearchKeepsTheMatchesAndTheExactScores) {
  // A cut far below the common syllable-grams' frequencies, so that the first pass skips most terms.
  const GeneratedPair data = generate(2000, 13);
  const Vectors vectors = vectors_of(data.left, data.right);
  BlockerOptions exhaustive;
  exhaustive.pruning = PruningOptions::exhaustive();
  BlockerOptions pruned;
  pruned.pruning = {50, 4, 64};
  const CandidatePairs all = generate_candidates(vectors.left, vectors.right, exhaustive);
  const CandidatePairs fast = generate_candidates(vectors.left, vectors.right, pruned);
  std::size_t found_all = 0, found_fast = 0;
  for (std::uint32_t entity = 0; entity < data.num_entities; ++entity) {
    found_all += has_pair(all, entity, entity);
    found_fast += has_pair(fast, entity, entity);
  }
  EXPECT_GE(found_fast, found_all - found_all / 100) << "pruning may lose at most 1% of the matches";
  // Every pair the pruned search keeps has its exact cosine, the exhaustive search's score.
  std::size_t compared = 0;
  for (std::size_t pair = 0; pair < fast.num_pairs(); ++pair) {
    for (auto other = all.query_offsets[fast.left[pair]]; other < all.query_offsets[fast.left[pair] + 1]; ++other) {
      if (all.right[other] != fast.right[pair]) continue;
      EXPECT_NEAR(fast.score[pair], all.score[other], 1e-5f);
      ++compared;
    }
  }
  EXPECT_GT(compared, fast.num_pairs() / 2);
}

TEST(TfidfBlockerTest, PairsAreSortedUniqueAndRanked) {
  const GeneratedPair data = generate(300, 11);
  const Vectors vectors = vectors_of(data.left, data.right);
  const CandidatePairs pairs = generate_candidates(vectors.left, vectors.right, BlockerOptions{});
  ASSERT_EQ(pairs.query_offsets.size(), data.left.num_rows() + 1);
  for (std::size_t pair = 1; pair < pairs.num_pairs(); ++pair) {
    const bool ordered = pairs.left[pair - 1] < pairs.left[pair] ||
                         (pairs.left[pair - 1] == pairs.left[pair] && pairs.right[pair - 1] < pairs.right[pair]);
    ASSERT_TRUE(ordered) << "pair " << pair;
  }
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    EXPECT_GT(pairs.score[pair], 0.0f);
    EXPECT_LE(pairs.score[pair], 1.0001f);
    EXPECT_TRUE(pairs.rank_in_left[pair] > 0 || pairs.rank_in_right[pair] > 0);
  }
}

TEST(TfidfBlockerTest, TopKOneKeepsTheMostSimilarRecord) {
  Table left("l.csv", {"id", "name"}, 0);
  Table right("r.csv", {"id", "name"}, 0);
  left.append_row(std::vector<std::string>{"1", "sony bravia kdl-40v4100 lcd tv"});
  right.append_row(std::vector<std::string>{"a", "samsung lcd tv 40 inch"});
  right.append_row(std::vector<std::string>{"b", "Sony Bravia KDL40V4100 LCD television"});
  right.append_row(std::vector<std::string>{"c", "garden hose"});
  const Vectors vectors = vectors_of(left, right);
  BlockerOptions options;
  options.top_k = 1;
  options.both_directions = false;
  const CandidatePairs pairs = generate_candidates(vectors.left, vectors.right, options);
  ASSERT_EQ(pairs.num_pairs(), 1u);
  EXPECT_EQ(pairs.right[0], 1u);
  EXPECT_EQ(pairs.rank_in_left[0], 1);
}

TEST(TfidfBlockerTest, DeduplicationNeverPairsARecordWithItself) {
  Table table("t.csv", {"id", "name"}, 0);
  table.append_row(std::vector<std::string>{"1", "canon eos 5d mark ii"});
  table.append_row(std::vector<std::string>{"2", "Canon EOS 5D Mark II body"});
  table.append_row(std::vector<std::string>{"3", "nikon d90"});
  table.append_row(std::vector<std::string>{"4", "Nikon D90 kit"});
  const Vectors vectors = vectors_of(table, table);
  const CandidatePairs pairs = generate_candidates_within(vectors.left, BlockerOptions{});
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) EXPECT_LT(pairs.left[pair], pairs.right[pair]);
  EXPECT_TRUE(has_pair(pairs, 0, 1));
  EXPECT_TRUE(has_pair(pairs, 2, 3));
}

TEST(TfidfBlockerTest, RecordsWithNothingInCommonGetNoCandidates) {
  Table left("l.csv", {"id", "name"}, 0);
  Table right("r.csv", {"id", "name"}, 0);
  left.append_row(std::vector<std::string>{"1", "qqqq"});
  left.append_row(std::vector<std::string>{"2", ""});
  right.append_row(std::vector<std::string>{"a", "zzzz"});
  const Vectors vectors = vectors_of(left, right);
  const CandidatePairs pairs = generate_candidates(vectors.left, vectors.right, BlockerOptions{});
  EXPECT_EQ(pairs.num_pairs(), 0u);
  EXPECT_EQ(pairs.query_size(0), 0u);
  EXPECT_EQ(pairs.query_size(1), 0u);
}

}  // namespace
}  // namespace matchmaker::candidates
