// The concept retriever on the shipped dictionary: known answers, best synonym per concept, the
// pseudo-mention exclusion, and abbreviation expansion (dictionary and in-context).
#include "candidates/concept_retriever.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/dictionary_reader.h"

namespace matchmaker::candidates {
namespace {

const std::string kDictionary = std::string(MATCHMAKER_TEST_DATA_DIR) + "/el/dictionary.txt";

// Concept ids of one query's candidates, best first.
std::vector<std::string> ranked_ids(const io::Dictionary& dictionary, const ConceptCandidates& found, std::size_t query) {
  std::vector<std::pair<std::uint16_t, std::string>> ranked;
  for (std::uint64_t pair = found.pairs.query_offsets[query]; pair < found.pairs.query_offsets[query + 1]; ++pair) {
    ranked.emplace_back(found.pairs.rank_in_left[pair], dictionary.concept_ids[found.pairs.right[pair]]);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> ids;
  for (const auto& [rank, id] : ranked) ids.push_back(id);
  return ids;
}

TEST(ConceptRetriever, RetrievalKeyNormalises) {
  EXPECT_EQ(retrieval_key("  Non-Hodgkin's  Lymphoma "), "non hodgkin s lymphoma");
  EXPECT_EQ(retrieval_key("BRCA1-associated"), "brca1 associated");
}

TEST(ConceptRetriever, FindsKnownConceptsAmongSynonyms) {
  const io::Dictionary dictionary = io::read_dictionary(kDictionary);
  RetrieverOptions options;
  options.top_k = 3;
  const ConceptRetriever retriever(dictionary, options);
  const std::vector<std::string> keys = {retrieval_key("Louis-Bar syndrome"), retrieval_key("type 2 diabetes"),
                                         retrieval_key("haemochromatosis"), retrieval_key("Wilson's disease"),
                                         retrieval_key("zzzz")};
  const ConceptCandidates found = retriever.retrieve(retriever.encode(keys));
  ASSERT_EQ(found.pairs.num_left, keys.size());
  EXPECT_EQ(ranked_ids(dictionary, found, 0).front(), "D001260");
  EXPECT_EQ(ranked_ids(dictionary, found, 1).front(), "D003924");
  EXPECT_EQ(ranked_ids(dictionary, found, 2).front(), "D006432|235200");
  EXPECT_EQ(ranked_ids(dictionary, found, 3).front(), "D008107");
  EXPECT_EQ(found.pairs.query_size(4), 0u);  // nothing shares a term
  // At most top_k concepts, each once, each with the synonym that scored it.
  EXPECT_LE(found.pairs.query_size(1), 3u);
  const auto ids = ranked_ids(dictionary, found, 1);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  for (std::uint64_t pair = 0; pair < found.pairs.num_pairs(); ++pair) {
    EXPECT_EQ(dictionary.name_concept[found.best_name[pair]], found.pairs.right[pair]);
  }
  EXPECT_EQ(retriever.name_keys()[found.best_name[found.pairs.query_offsets[0]]], "louis bar syndrome");
}

TEST(ConceptRetriever, ExcludedNameDoesNotAnswerItself) {
  const io::Dictionary dictionary = io::read_dictionary(kDictionary);
  const ConceptRetriever retriever(dictionary, RetrieverOptions{});
  // "louis bar syndrome" (name 1) as a pseudo-mention: without its own entry, its concept is still found
  // through "ataxia telangiectasia syndrome", but not with a perfect score.
  const std::vector<std::string> keys = {retriever.name_keys()[1]};
  const std::vector<std::uint32_t> excluded = {1};
  const ConceptCandidates found = retriever.retrieve(retriever.encode(keys), excluded);
  for (std::uint64_t pair = 0; pair < found.pairs.num_pairs(); ++pair) {
    EXPECT_NE(found.best_name[pair], 1u);
    EXPECT_LT(found.pairs.score[pair], 0.99f);
  }
  const ConceptCandidates with_self = retriever.retrieve(retriever.encode(keys));
  EXPECT_NEAR(with_self.pairs.score[0], 1.0f, 1e-5);
}

TEST(ConceptRetriever, ExpandsAbbreviations) {
  const io::Dictionary dictionary = io::read_dictionary(kDictionary);
  const ConceptRetriever retriever(dictionary, RetrieverOptions{});
  // Dictionary: "dmd" is spelled by the initials of "duchenne muscular dystrophy" (same concept).
  EXPECT_EQ(retriever.expand_abbreviations("dmd carriers"), "duchenne muscular dystrophy carriers");
  EXPECT_EQ(retriever.expand_abbreviations("dmd"), "dmd");  // a name of its own
  // "dm" has the initials of "diabetes mellitus" (same concept).
  EXPECT_EQ(retriever.expand_abbreviations("dm patients"), "diabetes mellitus patients");
  // Context: "long form (SF)".
  EXPECT_EQ(retriever.expand_abbreviations("hca", "Patients with hepatic copper accumulation (HCA) were seen."),
            "hepatic copper accumulation");
  EXPECT_EQ(retriever.expand_abbreviations("hca"), "hca");
}

TEST(ConceptRetriever, FindsDefinedAbbreviationsInText) {
  const auto found = find_defined_abbreviations(
      "Ataxia telangiectasia (AT) and the gene mutated in it (see ATM); adenomatous polyposis coli (APC) too (see 3).");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], (std::pair<std::string, std::string>{"at", "ataxia telangiectasia"}));
  EXPECT_EQ(found[1], (std::pair<std::string, std::string>{"apc", "adenomatous polyposis coli"}));
}

}  // namespace
}  // namespace matchmaker::candidates
