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
#include <vector>

#include "candidates/candidate_pairs.h"
#include "io/dictionary_reader.h"
#include "text/sparse_rows.h"
#include "text/vocabulary.h"

namespace matchmaker::candidates {

struct RetrieverOptions {
  int top_k = 20;             // concepts kept per mention
  int names_searched = 64;    // nearest names scanned per mention to find them (a concept has several)
  // Share of the score from character q-grams; the rest from words. Grams carry spelling variants
  // ("tumour"/"tumor", plurals), words carry order-free multi-word names.
  // 0.5 with 3-grams measured best on NCBI-disease test (Acc@1 0.902 vs 0.889 grams alone, 0.875 with
  // BioSyn's 1-2-grams); 0.3-0.6 differ by 0.001.
  float char_share = 0.5f;
  std::vector<int> gram_sizes = {3};
  std::size_t queries_per_batch = 16384;  // bounds the memory of the name-level search
  // Speed: the first pass finds names through the query's rarer terms only (those in at most this
  // share of names, and always the query's `rare_terms_kept` rarest); its best `names_rescored` names
  // are then scored exactly on every term. Common grams (" ca", "ia ") have postings of thousands of
  // names and cost most of an exhaustive search while deciding little.
  float common_term_share = 0.02f;
  int rare_terms_kept = 6;
  int names_rescored = 128;  // 128 vs exhaustive on NCBI test: Acc@1 0.902 = 0.902, 100k mentions 33 s -> 9 s
};

// A mention or name as the retriever compares it: normalised (NFKC, case folded) word tokens joined
// by single spaces, so "Non-Hodgkin's  lymphoma" and "non hodgkin s lymphoma" are one key.
std::string retrieval_key(std::string_view raw);

// Per query: unit TF-IDF vectors over characters, words, and both (the search vector).
struct QueryVectors {
  text::SparseRows chars;
  text::SparseRows words;
  text::SparseRows combined;
};

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
  // count for its query, kNoName for none — a synonym used as a pseudo-mention is not its own answer.
  ConceptCandidates retrieve(const QueryVectors& queries, std::span<const std::uint32_t> excluded_names = {}) const;

  // Rewrites abbreviations in a retrieval key: short forms defined in `context` as "long form (SF)"
  // first, then the dictionary's own unambiguous ones (a one-word synonym spelled by the initials of
  // a multi-word synonym of the same concept, "dmd" -> "duchenne muscular dystrophy"). A key that is
  // only the abbreviation stays as it is: the dictionary lists it as a name.
  std::string expand_abbreviations(std::string_view key, std::string_view context = {}) const;

 private:
  // Rows [begin, end) of query vectors with their common terms dropped (see RetrieverOptions).
  text::SparseRows rare_terms(const text::SparseRows& rows, std::size_t begin, std::size_t end) const;
  std::uint32_t frequency(std::uint32_t term) const { return term < name_frequency_.size() ? name_frequency_[term] : 0; }

  const io::Dictionary& dictionary_;
  RetrieverOptions options_;
  std::vector<std::string> name_keys_;
  text::Vocabulary char_terms_;
  text::Vocabulary word_terms_;
  std::vector<float> char_idf_;
  std::vector<float> word_idf_;
  QueryVectors name_vectors_;
  std::vector<std::uint32_t> name_frequency_;  // per combined term: how many names hold it
  std::unordered_map<std::string, std::string> abbreviations_;  // short form -> long form
};

// Abbreviations defined in running text as "long form (SF)" (Schwartz & Hearst's rule: the short
// form's characters appear in order in the long form, its first one starting a word), as
// (normalised short form, normalised long form) pairs in order of appearance.
std::vector<std::pair<std::string, std::string>> find_defined_abbreviations(std::string_view context);

}  // namespace matchmaker::candidates
