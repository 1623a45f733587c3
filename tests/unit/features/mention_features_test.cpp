// Mention features on the shipped dictionary: each column means what its name says.
#include "features/mention_features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "io/dictionary_reader.h"

namespace matchmaker::features {
namespace {

const std::string kDictionary = std::string(MATCHMAKER_TEST_DATA_DIR) + "/el/dictionary.txt";

struct Fixture {
  io::Dictionary dictionary = io::read_dictionary(kDictionary);
  candidates::ConceptRetriever retriever{dictionary, candidates::RetrieverOptions{}};
  std::vector<std::string> keys;
  candidates::QueryVectors vectors;
  candidates::ConceptCandidates found;
  FeatureMatrix matrix;

  explicit Fixture(std::vector<std::string> mention_keys) : keys(std::move(mention_keys)) {
    vectors = retriever.encode(keys);
    found = retriever.retrieve(vectors);
    matrix = compute_mention_features(retriever, {keys, &vectors, &found});
  }
  // Feature row of the pair (query, concept id), or -1.
  std::int64_t pair_of(std::size_t query, const std::string& concept_id) const {
    for (std::uint64_t pair = found.pairs.query_offsets[query]; pair < found.pairs.query_offsets[query + 1]; ++pair) {
      if (dictionary.concept_ids[found.pairs.right[pair]] == concept_id) return static_cast<std::int64_t>(pair);
    }
    return -1;
  }
  float value(std::int64_t pair, const std::string& feature) const {
    return matrix.at(static_cast<std::size_t>(pair), static_cast<std::size_t>(matrix.find(feature)));
  }
};

TEST(MentionFeatures, OneRowPerPairWithNamedMonotoneColumns) {
  const Fixture fixture({"type 2 diabetes", "breast tumor"});
  EXPECT_EQ(fixture.matrix.num_rows, fixture.found.pairs.num_pairs());
  EXPECT_EQ(fixture.matrix.names.size(), fixture.matrix.monotone.size());
  EXPECT_EQ(fixture.matrix.values.size(), fixture.matrix.num_rows * fixture.matrix.num_features());
}

TEST(MentionFeatures, ExactSynonymAndCoverage) {
  const Fixture fixture({"breast tumor"});
  const auto exact = fixture.pair_of(0, "D001943");
  ASSERT_GE(exact, 0);
  EXPECT_EQ(fixture.value(exact, "mention equals a synonym"), 1.0f);
  EXPECT_NEAR(fixture.value(exact, "character 3-gram TF-IDF cosine"), 1.0f, 1e-5);
  EXPECT_NEAR(fixture.value(exact, "mention words found in the synonym (idf share)"), 1.0f, 1e-5);
  EXPECT_EQ(fixture.value(exact, "retrieval rank"), 1.0f);
  EXPECT_EQ(fixture.value(exact, "score gap to the best candidate"), 0.0f);
  EXPECT_GT(fixture.value(exact, "score lead over the best other candidate"), 0.0f);
  const auto generic = fixture.pair_of(0, "D009369");  // "tumor": the name's words are all in the mention
  ASSERT_GE(generic, 0);
  EXPECT_EQ(fixture.value(generic, "mention equals a synonym"), 0.0f);
  EXPECT_NEAR(fixture.value(generic, "synonym words found in the mention (idf share)"), 1.0f, 1e-5);
  EXPECT_LT(fixture.value(generic, "mention words found in the synonym (idf share)"), 1.0f);
  EXPECT_LT(fixture.value(generic, "score lead over the best other candidate"), 0.0f);
}

TEST(MentionFeatures, MentionWordsSpreadOverTheConceptsSynonyms) {
  // "ovary cancer": D010051 has "ovary tumor" and "ovarian cancer", neither holding both words.
  const Fixture fixture({"ovary cancer"});
  const auto ovarian = fixture.pair_of(0, "D010051");
  ASSERT_GE(ovarian, 0);
  EXPECT_LT(fixture.value(ovarian, "mention words found in the synonym (idf share)"), 0.99f);
  EXPECT_NEAR(fixture.value(ovarian, "mention words found in any synonym of the concept (idf share)"), 1.0f, 1e-5);
  const auto breast = fixture.pair_of(0, "D001943");  // "breast cancer": only "cancer"
  ASSERT_GE(breast, 0);
  EXPECT_LT(fixture.value(breast, "mention words found in any synonym of the concept (idf share)"), 0.99f);
}

TEST(MentionFeatures, WordsMatchedThroughMinedSubstitutions) {
  // The shipped dictionary's synonyms give tumor / cancer / neoplasm as substitutions (3 concepts each).
  const std::string feature = "mention words matched by a synonym, as is or by a mined substitution (best synonym, idf share)";
  const Fixture fixture({"ovarian tumors", "prostate tumors"});
  const auto ovarian = fixture.pair_of(0, "D010051");  // "ovarian cancer", "ovarian neoplasms": tumor -> both
  ASSERT_GE(ovarian, 0);
  EXPECT_NEAR(fixture.value(ovarian, feature), 1.0f, 1e-5);
  const auto breast = fixture.pair_of(0, "D001943");  // "breast tumor": only "tumors"
  ASSERT_GE(breast, 0);
  EXPECT_GT(fixture.value(breast, feature), 0.0f);
  EXPECT_LT(fixture.value(breast, feature), 0.99f);
  const auto neoplasms = fixture.pair_of(1, "D009369");  // "prostate" is in no name: it weighs, never matches
  ASSERT_GE(neoplasms, 0);
  EXPECT_GT(fixture.value(neoplasms, feature), 0.0f);
  EXPECT_LT(fixture.value(neoplasms, feature), 0.5f);
}

TEST(MentionFeatures, HeadWordInTheSynonym) {
  // The mention's last word, singular or plural, among the best name's words.
  const Fixture fixture({"colorectal neoplasm", "ovary cancers"});
  const auto colorectal = fixture.pair_of(0, "D015179");  // best name "colorectal neoplasms"
  ASSERT_GE(colorectal, 0);
  EXPECT_EQ(fixture.value(colorectal, "mention head word (its last) in the synonym"), 1.0f);
  const auto breast = fixture.pair_of(1, "D001943");  // best name "breast cancer": head "cancers" there
  ASSERT_GE(breast, 0);
  EXPECT_EQ(fixture.value(breast, "mention head word (its last) in the synonym"), 1.0f);
  const auto ovarian = fixture.pair_of(1, "D010051");
  ASSERT_GE(ovarian, 0);
  // Its best name for "ovary cancers" is "ovarian cancer" or "ovary tumor": the head decides which.
  const bool best_is_cancer = fixture.retriever.name_keys()[fixture.found.best_name[static_cast<std::size_t>(ovarian)]] == "ovarian cancer";
  EXPECT_EQ(fixture.value(ovarian, "mention head word (its last) in the synonym"), best_is_cancer ? 1.0f : 0.0f);
}

TEST(MentionFeatures, PseudoMentionDoesNotCoverItself) {
  // "ovary tumor" as a pseudo-mention of D010051, its own entry excluded: "ovary" and "tumor" are in no
  // other name of the concept ("ovarian cancer", "ovarian neoplasms").
  Fixture fixture({"ovary tumor"});
  const auto& names = fixture.retriever.name_keys();
  const auto own = static_cast<std::uint32_t>(std::find(names.begin(), names.end(), "ovary tumor") - names.begin());
  const std::vector<std::uint32_t> excluded = {own};
  fixture.found = fixture.retriever.retrieve(fixture.vectors, excluded);
  fixture.matrix = compute_mention_features(fixture.retriever, {fixture.keys, &fixture.vectors, &fixture.found, excluded});
  const auto ovarian = fixture.pair_of(0, "D010051");
  ASSERT_GE(ovarian, 0);
  EXPECT_NEAR(fixture.value(ovarian, "mention words found in any synonym of the concept (idf share)"), 0.0f, 1e-5);
}

TEST(MentionFeatures, NumbersThatDisagree) {
  const Fixture fixture({"diabetes mellitus type 2", "diabetes"});
  const auto same = fixture.pair_of(0, "D003924"), other = fixture.pair_of(0, "D003922");
  ASSERT_GE(same, 0);
  ASSERT_GE(other, 0);
  EXPECT_EQ(fixture.value(same, "numbers differ"), 0.0f);
  EXPECT_EQ(fixture.value(other, "numbers differ"), 1.0f);
  const auto typed = fixture.pair_of(1, "D003924");
  ASSERT_GE(typed, 0);
  EXPECT_EQ(fixture.value(typed, "synonym has a number the mention lacks"), 1.0f);
}

}  // namespace
}  // namespace matchmaker::features
