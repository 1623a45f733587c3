// The concept retriever on the shipped dictionary: known answers, best synonym per concept, the
// pseudo-mention exclusion, and abbreviation expansion (dictionary and in-context).
#include "candidates/concept_retriever.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "io/dictionary_reader.h"
#include "unit/io/temp_dir.h"

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

TEST(ConceptRetriever, MinesWordSubstitutionsFromSynonyms) {
  const io::Dictionary dictionary = io::read_dictionary(kDictionary);
  // cancer / neoplasm differ alone in 4 concepts (breast, ovarian, colorectal, neoplasms), cancer / tumor
  // and neoplasm / tumor in 3 ("ovary tumor" / "ovarian neoplasms" differ in two words).
  const auto substitutes_of = [&](const ConceptRetriever& retriever, std::string_view word) {
    std::vector<std::string> found;
    for (const std::string other : {"cancer", "neoplasm", "tumor", "breast", "diabetes"}) {
      const auto subs = retriever.substitutes(retriever.word_id(word));
      if (std::binary_search(subs.begin(), subs.end(), retriever.word_id(other))) found.push_back(other);
    }
    return found;
  };
  RetrieverOptions options;
  options.substitution_min_concepts = 3;
  const ConceptRetriever three(dictionary, options);
  EXPECT_EQ(substitutes_of(three, "cancer"), (std::vector<std::string>{"neoplasm", "tumor"}));
  EXPECT_EQ(substitutes_of(three, "tumors"), (std::vector<std::string>{"cancer", "neoplasm"}));  // plural folded
  EXPECT_EQ(substitutes_of(three, "neoplastic"), (std::vector<std::string>{"cancer", "tumor"}));  // stem "neoplas"
  EXPECT_TRUE(substitutes_of(three, "breast").empty());
  EXPECT_EQ(three.word_id("prostate"), ConceptRetriever::kNoWord);  // no name has it
  EXPECT_TRUE(three.substitutes(ConceptRetriever::kNoWord).empty());
  options.substitution_min_concepts = 4;
  const ConceptRetriever four(dictionary, options);
  EXPECT_EQ(substitutes_of(four, "cancer"), (std::vector<std::string>{"neoplasm"}));
  EXPECT_TRUE(substitutes_of(four, "tumor").empty());
  EXPECT_EQ(four.num_substitution_pairs(), 1u);
  EXPECT_EQ(word_form("prostatic", 7), "prostat");
  EXPECT_EQ(word_form("dystrophies", 0), "dystrophy");
}

TEST(ConceptRetriever, SubstitutedKeysTakeTheBestAttestedSubstitutionsFirst) {
  const io::Dictionary dictionary = io::read_dictionary(kDictionary);
  RetrieverOptions options;
  options.substitution_min_concepts = 3;
  options.substituted_keys_max = 2;
  const ConceptRetriever retriever(dictionary, options);
  // cancer / neoplasm is attested in 4 concepts, cancer / tumor in 3; "neoplas" is spelled as names
  // spell it most often ("neoplasms"); function words are never replaced.
  EXPECT_EQ(retriever.substituted_keys("cancer of the breast"),
            (std::vector<std::string>{"neoplasms of the breast", "tumor of the breast"}));
  EXPECT_TRUE(retriever.substituted_keys("breast diabetes").empty());
  options.substituted_keys_max = 1;
  const ConceptRetriever one(dictionary, options);
  EXPECT_EQ(one.substituted_keys("colorectal cancer"), (std::vector<std::string>{"colorectal neoplasms"}));
}

TEST(ConceptRetriever, RetrievesThroughSubstitutedKeys) {
  io::testing::TempDir dir;
  // tumors / neoplasms differ alone in three concepts; "thyroid tumors" is nowhere a name.
  const io::Dictionary dictionary = io::read_dictionary(dir.write("dictionary.txt",
                                                                  "C1||thyroid neoplasms\n"
                                                                  "C2||neoplasms\nC2||tumors\n"
                                                                  "C3||breast neoplasms\nC3||breast tumors\n"
                                                                  "C4||colon neoplasms\nC4||colon tumors\n"
                                                                  "C5||thyroid diseases\n"));
  RetrieverOptions options;
  options.substitution_min_concepts = 3;
  const ConceptRetriever retriever(dictionary, options);
  const std::vector<std::string> keys = {"thyroid tumors", "thyroid neoplasms"};
  const QueryVectors vectors = retriever.encode(keys);
  const ConceptCandidates direct = retriever.retrieve(vectors);
  const ConceptCandidates found = retriever.retrieve_with_substitutes(keys, vectors);
  EXPECT_NE(ranked_ids(dictionary, direct, 0).front(), "C1");
  ASSERT_EQ(ranked_ids(dictionary, found, 0).front(), "C1");
  for (std::uint64_t pair = found.pairs.query_offsets[0]; pair < found.pairs.query_offsets[1]; ++pair) {
    if (dictionary.concept_ids[found.pairs.right[pair]] != "C1") continue;
    // Found through "thyroid neoplasms", its exact name, at the discount.
    EXPECT_EQ(retriever.name_keys()[found.best_name[pair]], "thyroid neoplasms");
    EXPECT_NEAR(found.pairs.score[pair], options.substitution_discount, 1e-5);
  }
  // A query that found a name at least as close as the discount is left as retrieve() found it.
  EXPECT_EQ(ranked_ids(dictionary, found, 1), ranked_ids(dictionary, direct, 1));
  options.substituted_keys_max = 0;
  const ConceptRetriever without(dictionary, options);
  EXPECT_EQ(ranked_ids(dictionary, without.retrieve_with_substitutes(keys, vectors), 0), ranked_ids(dictionary, direct, 0));
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

// Row of the name whose key is `key`.
std::uint32_t name_row(const ConceptRetriever& retriever, const std::string& key) {
  const auto& keys = retriever.name_keys();
  const auto found = std::find(keys.begin(), keys.end(), key);
  EXPECT_NE(found, keys.end()) << key;
  return static_cast<std::uint32_t>(found - keys.begin());
}

TEST(ConceptRetriever, SingularForms) {
  EXPECT_EQ(singular("dystrophies"), "dystrophy");
  EXPECT_EQ(singular("neoplasms"), "neoplasm");
  EXPECT_EQ(singular("sclerosis"), "sclerosis");
  EXPECT_EQ(singular("gas"), "gas");
  EXPECT_TRUE(same_singular("dystrophies", "dystrophy"));
  EXPECT_TRUE(same_singular("dystrophy", "dystrophies"));
  EXPECT_TRUE(same_singular("tumors", "tumor"));
  EXPECT_FALSE(same_singular("tumors", "tumour"));
  EXPECT_FALSE(same_singular("dystrophies", "dystrophia"));
}

TEST(ConceptRetriever, VariantsOfAPseudoMentionAreLeftOutWithIt) {
  const io::Dictionary dictionary = io::read_dictionary(kDictionary);
  const ConceptRetriever retriever(dictionary, RetrieverOptions{});
  const std::uint32_t plural = name_row(retriever, "muscular dystrophies");
  const std::uint32_t singular = name_row(retriever, "muscular dystrophy");
  // Same concept, same words up to a plural s or their order: variants; other words or concepts: not.
  EXPECT_TRUE(retriever.same_variant(plural, singular));
  EXPECT_TRUE(retriever.same_variant(name_row(retriever, "duchenne muscular dystrophy"),
                                     name_row(retriever, "muscular dystrophy duchenne")));
  EXPECT_FALSE(retriever.same_variant(singular, name_row(retriever, "duchenne muscular dystrophy")));
  EXPECT_FALSE(retriever.same_variant(name_row(retriever, "breast cancer"), name_row(retriever, "breast neoplasms")));
  // "muscular dystrophies" as a pseudo-mention: its concept's only other name is its own variant, so
  // the concept is not found at all, while the query alone finds it first.
  const std::vector<std::string> keys = {"muscular dystrophies"};
  const std::uint32_t concept_row = dictionary.name_concept[plural];
  const ConceptCandidates alone = retriever.retrieve(retriever.encode(keys));
  EXPECT_EQ(ranked_ids(dictionary, alone, 0).front(), dictionary.concept_ids[concept_row]);
  const std::vector<std::uint32_t> excluded = {plural};
  const ConceptCandidates left_out = retriever.retrieve(retriever.encode(keys), excluded);
  for (std::uint64_t pair = 0; pair < left_out.pairs.num_pairs(); ++pair) EXPECT_NE(left_out.pairs.right[pair], concept_row);
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
