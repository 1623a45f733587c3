// Entity-linking candidates: the top-k dictionary concepts of every mention by TF-IDF cosine over
// character q-grams and words, each concept scored by its best synonym (a concept is as close as its
// closest name). Also the retriever's view of text: normalised keys and abbreviation expansion.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "candidates/candidate_pairs.h"
#include "candidates/inverted_index.h"
#include "io/dictionary_reader.h"
#include "text/sparse_rows.h"
#include "text/vocabulary.h"

namespace matchmaker::candidates {

struct RetrieverOptions {
  // Concepts kept per mention. NCBI test: 15 = 20 in candidate recall (0.963) and accuracy, 10 loses
  // 0.006 recall; features and the student cost in proportion (100k mentions 26 s -> 20 s at 15).
  int top_k = 15;
  int names_searched = 64;    // nearest names scanned per mention to find them (a concept has several)
  // Share of the score from character q-grams; the rest from words. Grams carry spelling variants
  // ("tumour"/"tumor", plurals), words carry order-free multi-word names.
  // 0.5 with 3-grams measured best on NCBI-disease test (Acc@1 0.902 vs 0.889 grams alone, 0.875 with
  // BioSyn's 1-2-grams); 0.3-0.6 differ by 0.001.
  float char_share = 0.5f;
  std::vector<int> gram_sizes = {3};
  // Speed: the first pass finds names through the query's rarer terms only (those held by at most
  // max(common_term_names, common_term_share of the names), and always the query's `rare_terms_kept`
  // rarest); its best `names_rescored` names are then scored exactly on every term. Common grams
  // (" ca", "ia ") have postings of thousands of names and cost most of an exhaustive search while
  // deciding little.
  float common_term_share = 0.02f;
  // 2000 -> 150 on NCBI: equal retrieval Acc@1/Acc@5 and recall, 100k mentions 16 s -> 12 s.
  std::uint32_t common_term_names = 150;
  int rare_terms_kept = 4;  // 6 -> 4: equal NCBI accuracy, 100k mentions 18.3 -> 17.2 CPU seconds
  // 128 vs exhaustive on NCBI test: Acc@1 0.902 = 0.902, 100k mentions 33 s -> 9 s; 64 = 128 in
  // accuracy, 1-2 s less on 100k mentions.
  int names_rescored = 64;
  // Word substitutions mined from the dictionary (see ConceptRetriever::substitutes): a pair of words is
  // kept when it is the only difference between two synonyms in at least this many concepts. Words are
  // compared as word_form(word, substitution_stem_length). NCBI label-free Acc@1 / Acc@5 (before:
  // 0.907 / 0.951): singular forms, 1 concept 0.905 / 0.947, 2: 0.909 / 0.946, 3: 0.907 / 0.950,
  // 5: 0.909 / 0.950, 12: 0.908 / 0.950; stems of 7 with 3 concepts 0.910 / 0.950 (6: 0.910 / 0.950 but
  // with the teacher Acc@5 0.952; 8: with the teacher 0.918).
  int substitution_min_concepts = 3;
  std::size_t substitution_stem_length = 7;
  // retrieve_with_substitutes(): at most this many substituted keys per query (0: none), and the factor
  // on their scores, so that a name found through a substitution ranks below an equally close direct one.
  int substituted_keys_max = 2;
  float substitution_discount = 0.9f;
};

// A mention or name as the retriever compares it: normalised (NFKC, case folded) word tokens joined
// by single spaces, so "Non-Hodgkin's  lymphoma" and "non hodgkin s lymphoma" are one key.
std::string retrieval_key(std::string_view raw);
// The words of a retrieval key, as views into it (without allocating when `words` has room).
void key_words(std::string_view key, std::vector<std::string_view>& words);

// Per query: unit TF-IDF vectors over characters, words, and both (the search vector).
struct QueryVectors {
  text::SparseRows chars;
  text::SparseRows words;
  text::SparseRows combined;
};

// English plural to singular, roughly: "dystrophies" -> "dystrophy", "neoplasms" -> "neoplasm"; words
// of three letters or fewer and "-ss", "-is", "-us" words ("sclerosis") stay.
std::string singular(std::string_view word);
// singular(a) == singular(b), without allocating (feature hot path).
bool same_singular(std::string_view a, std::string_view b);
// The word form substitutions are mined and matched on: the singular, cut to its first `stem_length`
// characters when longer (0: not cut), a crude stem ("prostatic", "prostate" -> "prostat";
// "deficiency", "deficient" -> "deficie").
std::string word_form(std::string_view word, std::size_t stem_length);

// Candidate concepts, as pairs (query row, concept row) with the retrieval score of the concept's best
// name and that name's row (for features).
struct ConceptCandidates {
  CandidatePairs pairs;
  std::vector<std::uint32_t> best_name;  // per pair: a name row of the dictionary
};

class ConceptRetriever {
 public:
  static constexpr std::uint32_t kNoName = std::numeric_limits<std::uint32_t>::max();

  // Indexes every name of `dictionary` (which must outlive the retriever).
  ConceptRetriever(const io::Dictionary& dictionary, RetrieverOptions options);

  const io::Dictionary& dictionary() const { return dictionary_; }
  const RetrieverOptions& options() const { return options_; }
  const std::vector<std::string>& name_keys() const { return name_keys_; }
  const QueryVectors& name_vectors() const { return name_vectors_; }

  // Vectors of query keys in the names' space (terms no name has count towards the norm only).
  QueryVectors encode(std::span<const std::string> keys) const;

  // Top-k concepts per query. `excluded_names` (empty, or one per query): a name row that must not
  // count for its query, kNoName for none — a synonym used as a pseudo-mention is not its own answer,
  // and neither are its variants (same_variant()).
  ConceptCandidates retrieve(const QueryVectors& queries, std::span<const std::uint32_t> excluded_names = {}) const;

  // As retrieve(), and also through the keys' substituted variants (substituted_keys()): a concept's
  // score is the best of its direct score and substitution_discount x a variant's ("thyroid tumors"
  // finds "thyroid neoplasms"). `keys` are the queries' retrieval keys.
  ConceptCandidates retrieve_with_substitutes(std::span<const std::string> keys, const QueryVectors& queries,
                                              std::span<const std::uint32_t> excluded_names = {}) const;
  // A key with one word replaced by one of its mined substitutes (spelled as names most often spell
  // it), at most substituted_keys_max of them, the substitutions seen in the most concepts first.
  std::vector<std::string> substituted_keys(std::string_view key) const;

  // Rewrites abbreviations in a retrieval key: short forms defined in `context` as "long form (SF)"
  // first, then the dictionary's own unambiguous ones (a one-word synonym spelled by the initials of
  // a multi-word synonym of the same concept, "dmd" -> "duchenne muscular dystrophy"). A key that is
  // only the abbreviation stays as it is: the dictionary lists it as a name.
  // Whether two names are spellings of one name: the same concept and the same words up to order and
  // a plural "s" ("neoplasms thyroid", "thyroid neoplasm"). A pseudo-mention with such a twin in the
  // dictionary is found trivially, unlike a real mention.
  bool same_variant(std::uint32_t name_a, std::uint32_t name_b) const { return variant_group_[name_a] == variant_group_[name_b]; }

  std::string expand_abbreviations(std::string_view key, std::string_view context = {}) const;

  // Word substitutions mined from the dictionary, label-free: two synonyms of one concept that differ
  // in exactly one word each (after removing their shared words, plurals folded: "prostatic neoplasms",
  // "prostate cancer"... "tumor" / "neoplasm") count the pair once for the concept; pairs counted in at
  // least `substitution_min_concepts` concepts are kept. Words are ids of word forms (word_id(), word_form()).
  static constexpr std::uint32_t kNoWord = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t word_id(std::string_view word) const;  // the word form's id, kNoWord if no name has it
  // The sorted substitutes of a word id (empty for kNoWord).
  std::span<const std::uint32_t> substitutes(std::uint32_t word) const;
  // Per name row: its words' ids (word forms), in key order.
  std::span<const std::uint32_t> name_word_ids(std::uint32_t name) const {
    return {name_word_ids_.data() + name_word_offsets_[name], name_word_ids_.data() + name_word_offsets_[name + 1]};
  }
  float word_idf(std::uint32_t word) const { return word < singular_idf_.size() ? singular_idf_[word] : max_idf_; }
  std::size_t num_substitution_pairs() const { return substitute_ids_.size() / 2; }

 private:
  // retrieve() with the first pass skipping terms held by more than `common` names (see RetrieverOptions).
  ConceptCandidates search(const QueryVectors& queries, std::span<const std::uint32_t> excluded_names, std::uint32_t common) const;
  void mine_substitutions();
  // A word's entries [first, last) in substitute_ids_ and substitute_concepts_ (empty for kNoWord).
  std::pair<std::uint64_t, std::uint64_t> substitute_range(std::uint32_t word) const;
  std::size_t stem_length() const { return options_.substitution_stem_length; }

  const io::Dictionary& dictionary_;
  RetrieverOptions options_;
  std::vector<std::string> name_keys_;
  text::Vocabulary char_terms_;
  text::Vocabulary word_terms_;
  std::vector<float> char_idf_;
  std::vector<float> word_idf_;
  QueryVectors name_vectors_;
  InvertedIndex index_;  // of the names' combined vectors
  std::unordered_map<std::string, std::string> abbreviations_;  // short form -> long form
  std::vector<std::uint32_t> variant_group_;  // per name (see same_variant)
  text::Vocabulary singular_words_;  // word forms (word_form())
  std::vector<float> singular_idf_;
  float max_idf_ = 1.0f;
  std::vector<std::uint64_t> name_word_offsets_;
  std::vector<std::uint32_t> name_word_ids_;
  std::vector<std::uint64_t> substitute_offsets_;  // per singular word id
  std::vector<std::uint32_t> substitute_ids_;
  std::vector<std::uint32_t> substitute_concepts_;  // per substitute: the concepts attesting the pair
  std::vector<std::string> form_spelling_;  // per word form id: its most frequent surface word
};

// Abbreviations defined in running text as "long form (SF)" (Schwartz & Hearst's rule: the short
// form's characters appear in order in the long form, its first one starting a word), as
// (normalised short form, normalised long form) pairs in order of appearance.
std::vector<std::pair<std::string, std::string>> find_defined_abbreviations(std::string_view context);

}  // namespace matchmaker::candidates
