#include "candidates/concept_retriever.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <tuple>

#include "candidates/pruned_search.h"
#include "matchmaker/progress.h"
#include "text/normalize.h"
#include "text/tfidf.h"
#include "text/tokenize.h"

namespace matchmaker::candidates {
namespace {

// The term ids of one key: character q-grams of every configured size, or words.
class KeyTerms {
 public:
  explicit KeyTerms(const std::vector<int>& gram_sizes) : gram_sizes_(gram_sizes) {}

  template <typename OnTerm>
  void chars(std::string_view key, OnTerm&& on_term) {
    for (const int size : gram_sizes_) {
      text::char_qgrams(key, size, padded_, grams_);
      for (const auto gram : grams_) on_term(gram);
    }
  }
  template <typename OnTerm>
  void words(std::string_view key, OnTerm&& on_term) {
    text::word_tokens(key, words_);
    for (const auto word : words_) on_term(word);
  }

 private:
  const std::vector<int>& gram_sizes_;
  std::string padded_;
  std::vector<std::string_view> grams_;
  std::vector<std::string_view> words_;
};

// Scales every row of `weighted` to L2 norm `target` (rows of norm 0 stay empty-valued).
void scale_rows(text::WeightedRows& weighted, float target) {
  for (std::size_t row = 0; row < weighted.rows.num_rows(); ++row) {
    const float norm = weighted.norms[row];
    const float factor = norm > 0 ? target / norm : 0.0f;
    for (std::uint64_t idx = weighted.rows.offsets[row]; idx < weighted.rows.offsets[row + 1]; ++idx) {
      weighted.rows.values[idx] *= factor;
    }
    weighted.norms[row] = norm > 0 ? target : 0.0f;
  }
}

// Unit character and word vectors and their weighted concatenation (a dot product of two combined
// vectors = char_share * char cosine + (1 - char_share) * word cosine).
QueryVectors to_vectors(const text::SparseRows& char_counts, const std::vector<float>& char_idf,
                        const text::SparseRows& word_counts, const std::vector<float>& word_idf, float char_share) {
  text::WeightedRows chars = text::tfidf_weight(char_counts, char_idf);
  text::WeightedRows words = text::tfidf_weight(word_counts, word_idf);
  scale_rows(chars, 1.0f);
  scale_rows(words, 1.0f);
  QueryVectors vectors;
  vectors.chars = chars.rows;
  vectors.words = words.rows;
  scale_rows(chars, std::sqrt(char_share));
  scale_rows(words, std::sqrt(1.0f - char_share));
  vectors.combined = text::combined_unit_vectors(words, chars);
  // combined_unit_vectors renormalises; a key with no words (or no grams) keeps its one cosine whole,
  // which is what a one-sided key deserves.
  return vectors;
}

std::vector<std::string_view> split_spaces(std::string_view key) {
  std::vector<std::string_view> tokens;
  key_words(key, tokens);
  return tokens;
}

bool is_function_word(std::string_view word) {
  return word == "of" || word == "the" || word == "and" || word == "with" || word == "in" || word == "to";
}

// Initials of a multi-word key, with and without its function words ("type of x" -> "tox", "tx").
std::pair<std::string, std::string> initials(const std::vector<std::string_view>& words) {
  std::string all, content;
  for (const auto word : words) {
    all.push_back(word.front());
    if (!is_function_word(word)) content.push_back(word.front());
  }
  return {all, content};
}

bool looks_like_short_form(std::string_view token) {
  if (token.size() < 2 || token.size() > 6) return false;
  return std::any_of(token.begin(), token.end(), [](unsigned char c) { return std::isalpha(c); }) &&
         std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isalnum(c); });
}

// Schwartz & Hearst: the shortest tail of `long_form` (words) whose characters spell the short form
// in order, its first character starting a word; "" if none.
std::string best_long_form(std::string_view short_form, std::string_view long_form) {
  std::ptrdiff_t short_idx = static_cast<std::ptrdiff_t>(short_form.size()) - 1;
  std::ptrdiff_t long_idx = static_cast<std::ptrdiff_t>(long_form.size()) - 1;
  const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  while (short_idx >= 0) {
    const char wanted = lower(short_form[static_cast<std::size_t>(short_idx)]);
    if (!alnum(wanted)) {
      --short_idx;
      continue;
    }
    while (long_idx >= 0 && (lower(long_form[static_cast<std::size_t>(long_idx)]) != wanted ||
                             (short_idx == 0 && long_idx > 0 && alnum(long_form[static_cast<std::size_t>(long_idx - 1)])))) {
      --long_idx;
    }
    if (long_idx < 0) return {};
    --long_idx;
    --short_idx;
  }
  const std::size_t start = long_form.rfind(' ', static_cast<std::size_t>(long_idx + 1));
  return std::string(long_form.substr(start == std::string_view::npos ? 0 : start + 1));
}

}  // namespace

namespace {

// The singular as a view of the word plus a letter to append ("dystrophies" -> "dystroph" + 'y').
std::pair<std::string_view, char> singular_parts(std::string_view word) {
  if (word.size() > 4 && word.ends_with("ies")) return {word.substr(0, word.size() - 3), 'y'};
  if (word.size() > 3 && word.back() == 's' && !word.ends_with("ss") && !word.ends_with("is") && !word.ends_with("us")) {
    return {word.substr(0, word.size() - 1), '\0'};
  }
  return {word, '\0'};
}

}  // namespace

std::string singular(std::string_view word) {
  const auto [stem, tail] = singular_parts(word);
  std::string result(stem);
  if (tail != '\0') result.push_back(tail);
  return result;
}

bool same_singular(std::string_view a, std::string_view b) {
  auto [stem_a, tail_a] = singular_parts(a);
  auto [stem_b, tail_b] = singular_parts(b);
  if (tail_a == tail_b) return stem_a == stem_b;
  if (tail_a == '\0') {
    std::swap(stem_a, stem_b);
    std::swap(tail_a, tail_b);
  }
  // Now a has the appended letter and b none: stem_a + tail_a against stem_b whole.
  return stem_b.size() == stem_a.size() + 1 && stem_b.starts_with(stem_a) && stem_b.back() == tail_a;
}

void key_words(std::string_view key, std::vector<std::string_view>& words) {
  words.clear();
  std::size_t start = 0;
  while (start < key.size()) {
    std::size_t end = key.find(' ', start);
    if (end == std::string_view::npos) end = key.size();
    if (end > start) words.push_back(key.substr(start, end - start));
    start = end + 1;
  }
}

std::string retrieval_key(std::string_view raw) {
  const std::string normalized = text::normalize(raw);
  std::vector<std::string_view> words;
  text::word_tokens(normalized, words);
  std::string key;
  for (const auto word : words) {
    if (!key.empty()) key.push_back(' ');
    key.append(word);
  }
  return key;
}

ConceptRetriever::ConceptRetriever(const io::Dictionary& dictionary, RetrieverOptions options)
    : dictionary_(dictionary), options_(std::move(options)) {
  name_keys_.reserve(dictionary.num_names());
  for (const auto& name : dictionary.names) name_keys_.push_back(retrieval_key(name));

  text::SparseRows char_counts, word_counts;
  KeyTerms terms(options_.gram_sizes);
  std::vector<std::uint32_t> ids;
  for (const auto& key : name_keys_) {
    ids.clear();
    terms.chars(key, [&](std::string_view gram) { ids.push_back(char_terms_.intern(gram)); });
    char_counts.append_counts(ids);
    ids.clear();
    terms.words(key, [&](std::string_view word) { ids.push_back(word_terms_.intern(word)); });
    word_counts.append_counts(ids);
  }
  char_idf_ = text::inverse_document_frequencies({&char_counts}, char_terms_.size());
  word_idf_ = text::inverse_document_frequencies({&word_counts}, word_terms_.size());
  name_vectors_ = to_vectors(char_counts, char_idf_, word_counts, word_idf_, options_.char_share);
  index_ = InvertedIndex(name_vectors_.combined);

  // Variant groups: per concept, names with one sorted list of singular words.
  variant_group_.resize(name_keys_.size());
  std::unordered_map<std::string, std::uint32_t> groups;
  std::vector<std::string> words;
  std::string signature;
  for (std::size_t name = 0; name < name_keys_.size(); ++name) {
    words.clear();
    for (const auto word : split_spaces(name_keys_[name])) words.push_back(singular(word));
    std::sort(words.begin(), words.end());
    signature = std::to_string(dictionary.name_concept[name]);
    for (const auto& word : words) {
      signature.push_back(' ');
      signature.append(word);
    }
    variant_group_[name] = groups.try_emplace(signature, static_cast<std::uint32_t>(groups.size())).first->second;
  }

  mine_substitutions();

  // Dictionary abbreviations: per concept, one-word names spelled by another name's initials.
  std::unordered_map<std::string, std::string> found;
  for (std::size_t concept_row = 0; concept_row < dictionary.num_concepts(); ++concept_row) {
    const auto first = dictionary.concept_offsets[concept_row], last = dictionary.concept_offsets[concept_row + 1];
    for (auto short_name = first; short_name < last; ++short_name) {
      const std::string& short_form = name_keys_[short_name];
      if (!looks_like_short_form(short_form)) continue;
      for (auto long_name = first; long_name < last; ++long_name) {
        const auto words = split_spaces(name_keys_[long_name]);
        if (words.size() < 2) continue;
        const auto [all, content] = initials(words);
        if (all != short_form && content != short_form) continue;
        auto [slot, inserted] = found.try_emplace(short_form, name_keys_[long_name]);
        // Two concepts (or two long forms) for one short form: ambiguous, never expanded.
        if (!inserted && slot->second != name_keys_[long_name]) slot->second.clear();
        break;
      }
    }
  }
  for (auto& [short_form, long_form] : found) {
    if (!long_form.empty()) abbreviations_.emplace(short_form, std::move(long_form));
  }
}

std::string word_form(std::string_view word, std::size_t stem_length) {
  std::string form = singular(word);
  if (stem_length > 0 && form.size() > stem_length) form.resize(stem_length);
  return form;
}

void ConceptRetriever::mine_substitutions() {
  // Word-form ids per name, and their idf (names holding the form).
  name_word_offsets_.assign(1, 0);
  std::vector<std::uint32_t> document_frequency;
  std::vector<std::uint32_t> unique;
  std::unordered_map<std::string_view, std::uint32_t> word_counts;  // surface word -> names holding it
  for (const auto& key : name_keys_) {
    unique.clear();
    for (const auto word : split_spaces(key)) {
      const std::uint32_t id = singular_words_.intern(word_form(word, stem_length()));
      name_word_ids_.push_back(id);
      unique.push_back(id);
      ++word_counts[word];
    }
    name_word_offsets_.push_back(name_word_ids_.size());
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    document_frequency.resize(singular_words_.size(), 0);
    for (const std::uint32_t id : unique) ++document_frequency[id];
  }
  // A form's spelling for substituted keys: its most frequent surface word ("neoplasms" for "neoplas").
  form_spelling_.assign(singular_words_.size(), {});
  std::vector<std::uint32_t> spelling_count(singular_words_.size(), 0);
  for (const auto& [word, count] : word_counts) {
    const std::uint32_t id = *singular_words_.find(word_form(word, stem_length()));
    if (count > spelling_count[id] || (count == spelling_count[id] && word < form_spelling_[id])) {
      spelling_count[id] = count;
      form_spelling_[id] = std::string(word);
    }
  }
  const double num_names = static_cast<double>(name_keys_.size());
  singular_idf_.resize(document_frequency.size());
  for (std::size_t id = 0; id < document_frequency.size(); ++id) {
    singular_idf_[id] = static_cast<float>(std::log((1.0 + num_names) / (1.0 + document_frequency[id])) + 1.0);
  }
  max_idf_ = static_cast<float>(std::log(1.0 + num_names) + 1.0);

  // Per concept, the distinct pairs (a < b) of single differing words between two of its names.
  std::vector<std::uint64_t> pair_concepts;  // all concepts' distinct pairs, concatenated
  std::vector<std::uint64_t> concept_pairs;
  std::vector<std::vector<std::uint32_t>> sets;
  std::vector<std::uint32_t> only_a, only_b;
  // Pairs per concept grow quadratically: a concept's first 300 names only.
  constexpr std::uint64_t kNamesCompared = 300;
  for (std::size_t concept_row = 0; concept_row < dictionary_.num_concepts(); ++concept_row) {
    const auto first = dictionary_.concept_offsets[concept_row], last = dictionary_.concept_offsets[concept_row + 1];
    if (last - first < 2) continue;
    sets.clear();
    for (auto name = first; name < std::min(last, first + kNamesCompared); ++name) {
      const auto ids = name_word_ids(static_cast<std::uint32_t>(name));
      std::vector<std::uint32_t> set(ids.begin(), ids.end());
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      sets.push_back(std::move(set));
    }
    concept_pairs.clear();
    for (std::size_t a = 0; a < sets.size(); ++a) {
      for (std::size_t b = a + 1; b < sets.size(); ++b) {
        only_a.clear();
        only_b.clear();
        std::set_difference(sets[a].begin(), sets[a].end(), sets[b].begin(), sets[b].end(), std::back_inserter(only_a));
        if (only_a.size() != 1) continue;
        std::set_difference(sets[b].begin(), sets[b].end(), sets[a].begin(), sets[a].end(), std::back_inserter(only_b));
        if (only_b.size() != 1) continue;
        const std::uint32_t low = std::min(only_a[0], only_b[0]), high = std::max(only_a[0], only_b[0]);
        concept_pairs.push_back((static_cast<std::uint64_t>(low) << 32) | high);
      }
    }
    std::sort(concept_pairs.begin(), concept_pairs.end());
    concept_pairs.erase(std::unique(concept_pairs.begin(), concept_pairs.end()), concept_pairs.end());
    pair_concepts.insert(pair_concepts.end(), concept_pairs.begin(), concept_pairs.end());
  }
  std::sort(pair_concepts.begin(), pair_concepts.end());
  struct Substitution {
    std::uint32_t from, to, concepts;
    bool operator<(const Substitution& other) const { return std::tie(from, to) < std::tie(other.from, other.to); }
  };
  std::vector<Substitution> kept;  // both directions
  const auto min_concepts = static_cast<std::size_t>(std::max(options_.substitution_min_concepts, 1));
  for (std::size_t start = 0; start < pair_concepts.size();) {
    std::size_t end = start;
    while (end < pair_concepts.size() && pair_concepts[end] == pair_concepts[start]) ++end;
    if (end - start >= min_concepts) {
      const auto low = static_cast<std::uint32_t>(pair_concepts[start] >> 32), high = static_cast<std::uint32_t>(pair_concepts[start]);
      const auto concepts = static_cast<std::uint32_t>(end - start);
      kept.push_back({low, high, concepts});
      kept.push_back({high, low, concepts});
    }
    start = end;
  }
  std::sort(kept.begin(), kept.end());
  substitute_offsets_.assign(singular_words_.size() + 1, 0);
  for (const auto& entry : kept) ++substitute_offsets_[entry.from + 1];
  for (std::size_t id = 1; id < substitute_offsets_.size(); ++id) substitute_offsets_[id] += substitute_offsets_[id - 1];
  substitute_ids_.reserve(kept.size());
  substitute_concepts_.reserve(kept.size());
  for (const auto& entry : kept) {
    substitute_ids_.push_back(entry.to);
    substitute_concepts_.push_back(entry.concepts);
  }
}

std::uint32_t ConceptRetriever::word_id(std::string_view word) const {
  const auto found = singular_words_.find(word_form(word, stem_length()));
  return found ? *found : kNoWord;
}

std::pair<std::uint64_t, std::uint64_t> ConceptRetriever::substitute_range(std::uint32_t word) const {
  if (word == kNoWord || word + 1 >= substitute_offsets_.size()) return {0, 0};
  return {substitute_offsets_[word], substitute_offsets_[word + 1]};
}

std::span<const std::uint32_t> ConceptRetriever::substitutes(std::uint32_t word) const {
  const auto [first, last] = substitute_range(word);
  return {substitute_ids_.data() + first, substitute_ids_.data() + last};
}

namespace {

// One retrieved concept of a query: its best name and that name's score.
struct Hit {
  std::uint32_t concept_row;
  std::uint32_t name;
  float score;
};

// Candidates from k rank-ordered slots per query (score < 0 = empty slot).
ConceptCandidates slots_to_candidates(const std::vector<Hit>& slots, std::size_t k, std::size_t num_concepts) {
  const std::size_t num_queries = slots.size() / k;
  ConceptCandidates result;
  CandidatePairs& pairs = result.pairs;
  pairs.num_left = num_queries;
  pairs.num_right = num_concepts;
  pairs.query_offsets.assign(num_queries + 1, 0);
  std::vector<std::size_t> order(k);
  for (std::size_t query = 0; query < num_queries; ++query) {
    const Hit* first = slots.data() + query * k;
    std::size_t filled = 0;
    while (filled < k && first[filled].score >= 0) ++filled;
    // Slots hold rank order; pairs are stored by concept row.
    order.resize(filled);
    for (std::size_t slot = 0; slot < filled; ++slot) order[slot] = slot;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return first[a].concept_row < first[b].concept_row; });
    for (const std::size_t slot : order) {
      pairs.left.push_back(static_cast<std::uint32_t>(query));
      pairs.right.push_back(first[slot].concept_row);
      pairs.score.push_back(first[slot].score);
      pairs.rank_in_left.push_back(static_cast<std::uint16_t>(slot + 1));
      pairs.rank_in_right.push_back(0);
      result.best_name.push_back(first[slot].name);
    }
    pairs.query_offsets[query + 1] = pairs.left.size();
  }
  return result;
}

// Best name per concept, then the best `k` concepts (ties: lower concept row first) into `slot`.
void keep_best_concepts(std::vector<Hit>& hits, std::size_t k, Hit* slot) {
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.concept_row != b.concept_row ? a.concept_row < b.concept_row : a.score > b.score;
  });
  hits.erase(std::unique(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.concept_row == b.concept_row; }),
             hits.end());
  const std::size_t keep = std::min(k, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(),
                    [](const Hit& a, const Hit& b) { return a.score != b.score ? a.score > b.score : a.concept_row < b.concept_row; });
  std::copy_n(hits.begin(), keep, slot);
}

}  // namespace

std::vector<std::string> ConceptRetriever::substituted_keys(std::string_view key) const {
  struct Candidate {
    std::uint32_t concepts, position, substitute;
  };
  std::vector<Candidate> candidates;
  const auto words = split_spaces(key);
  for (std::size_t position = 0; position < words.size(); ++position) {
    if (is_function_word(words[position])) continue;
    const auto [first, last] = substitute_range(word_id(words[position]));
    for (std::uint64_t idx = first; idx < last; ++idx) {
      candidates.push_back({substitute_concepts_[idx], static_cast<std::uint32_t>(position), substitute_ids_[idx]});
    }
  }
  // The best-attested substitutions first (seen in the most concepts).
  const std::size_t kept = std::min(candidates.size(), static_cast<std::size_t>(std::max(options_.substituted_keys_max, 0)));
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(kept), candidates.end(),
                    [](const Candidate& a, const Candidate& b) {
                      return std::tie(b.concepts, a.position, a.substitute) < std::tie(a.concepts, b.position, b.substitute);
                    });
  std::vector<std::string> variants;
  for (std::size_t idx = 0; idx < kept; ++idx) {
    std::string variant;
    for (std::size_t other = 0; other < words.size(); ++other) {
      if (!variant.empty()) variant.push_back(' ');
      variant.append(other == candidates[idx].position ? std::string_view(form_spelling_[candidates[idx].substitute]) : words[other]);
    }
    variants.push_back(std::move(variant));
  }
  return variants;
}

ConceptCandidates ConceptRetriever::retrieve_with_substitutes(std::span<const std::string> keys, const QueryVectors& queries,
                                                              std::span<const std::uint32_t> excluded_names) const {
  ConceptCandidates direct = retrieve(queries, excluded_names);
  if (options_.substituted_keys_max <= 0 || substitute_ids_.empty()) return direct;
  std::vector<std::string> variant_keys;
  std::vector<std::uint32_t> owner, variant_excluded;
  for (std::size_t query = 0; query < keys.size(); ++query) {
    // A variant's names score at most the discount: a query that already found a name that close
    // keeps its first candidate, and is not searched again.
    const auto first = direct.pairs.score.begin() + static_cast<std::ptrdiff_t>(direct.pairs.query_offsets[query]);
    const auto last = direct.pairs.score.begin() + static_cast<std::ptrdiff_t>(direct.pairs.query_offsets[query + 1]);
    if (first != last && *std::max_element(first, last) >= options_.substitution_discount) continue;
    for (auto& variant : substituted_keys(keys[query])) {
      variant_keys.push_back(std::move(variant));
      owner.push_back(static_cast<std::uint32_t>(query));
      if (!excluded_names.empty()) variant_excluded.push_back(excluded_names[query]);
    }
  }
  if (variant_keys.empty()) return direct;
  // A variant helps only where it finds a name nearly equal to it, which its rarest terms find: the
  // first pass skips the terms held by more than common_term_names names (100k synthetic mentions:
  // 31.8 -> 23.4 CPU seconds in all, 21.4 without variants; NCBI Acc@1 within 0.001 over 4 seeds).
  const ConceptCandidates substituted = search(encode(variant_keys), variant_excluded, options_.common_term_names);
  // Per query: its own concepts and its variants' (score discounted), the best `k` of them.
  const std::size_t k = static_cast<std::size_t>(std::max(options_.top_k, 1));
  std::vector<Hit> slots(keys.size() * k, Hit{0, 0, -1.0f});
  std::vector<Hit> hits;
  std::size_t variant = 0;
  for (std::size_t query = 0; query < keys.size(); ++query) {
    hits.clear();
    for (std::uint64_t pair = direct.pairs.query_offsets[query]; pair < direct.pairs.query_offsets[query + 1]; ++pair) {
      hits.push_back({direct.pairs.right[pair], direct.best_name[pair], direct.pairs.score[pair]});
    }
    for (; variant < owner.size() && owner[variant] == query; ++variant) {
      for (std::uint64_t pair = substituted.pairs.query_offsets[variant]; pair < substituted.pairs.query_offsets[variant + 1]; ++pair) {
        hits.push_back({substituted.pairs.right[pair], substituted.best_name[pair],
                        options_.substitution_discount * substituted.pairs.score[pair]});
      }
    }
    keep_best_concepts(hits, k, slots.data() + query * k);
  }
  return slots_to_candidates(slots, k, dictionary_.num_concepts());
}

QueryVectors ConceptRetriever::encode(std::span<const std::string> keys) const {
  text::SparseRows char_counts, word_counts;
  KeyTerms terms(options_.gram_sizes);
  std::vector<std::uint32_t> ids;
  std::vector<std::string_view> unknown;
  std::size_t max_unknown_chars = 0, max_unknown_words = 0;
  // Terms no name has get ids past the vocabulary (per query, one id per distinct term): they weigh
  // in the query's norm with the highest idf but can match nothing.
  const auto encode_terms = [&](auto&& for_each_term, const text::Vocabulary& vocabulary, text::SparseRows& counts,
                                std::size_t& max_unknown) {
    ids.clear();
    unknown.clear();
    for_each_term([&](std::string_view term) {
      if (const auto id = vocabulary.find(term)) {
        ids.push_back(*id);
        return;
      }
      auto slot = std::find(unknown.begin(), unknown.end(), term);
      if (slot == unknown.end()) slot = unknown.insert(unknown.end(), term);
      ids.push_back(static_cast<std::uint32_t>(vocabulary.size() + static_cast<std::size_t>(slot - unknown.begin())));
    });
    max_unknown = std::max(max_unknown, unknown.size());
    counts.append_counts(ids);
  };
  for (const auto& key : keys) {
    encode_terms([&](auto&& on_term) { terms.chars(key, on_term); }, char_terms_, char_counts, max_unknown_chars);
    encode_terms([&](auto&& on_term) { terms.words(key, on_term); }, word_terms_, word_counts, max_unknown_words);
  }
  const auto extended = [](const std::vector<float>& idf, std::size_t extra, std::size_t num_documents) {
    std::vector<float> result = idf;
    result.resize(idf.size() + extra, static_cast<float>(std::log(1.0 + static_cast<double>(num_documents)) + 1.0));
    return result;
  };
  return to_vectors(char_counts, extended(char_idf_, max_unknown_chars, name_keys_.size()), word_counts,
                    extended(word_idf_, max_unknown_words, name_keys_.size()), options_.char_share);
}

ConceptCandidates ConceptRetriever::retrieve(const QueryVectors& queries,
                                             std::span<const std::uint32_t> excluded_names) const {
  const auto common = std::max(options_.common_term_names,
                               static_cast<std::uint32_t>(options_.common_term_share * static_cast<float>(name_keys_.size())));
  return search(queries, excluded_names, common);
}

ConceptCandidates ConceptRetriever::search(const QueryVectors& queries, std::span<const std::uint32_t> excluded_names,
                                           std::uint32_t common) const {
  const std::size_t num_queries = queries.combined.num_rows();
  const std::size_t k = static_cast<std::size_t>(std::max(options_.top_k, 1));
  const std::size_t searched = static_cast<std::size_t>(std::max(options_.names_searched, 1));
  PruningOptions pruning;
  pruning.common_term_rows = common;
  pruning.rare_terms_kept = std::max(options_.rare_terms_kept, 1);
  pruning.rows_rescored = static_cast<std::size_t>(std::max({options_.names_rescored, options_.names_searched, options_.top_k}));
  // Fixed k slots per query (score < 0 = empty), compacted at the end.
  std::vector<Hit> slots(num_queries * k, Hit{0, 0, -1.0f});
  Progress progress("retrieval", num_queries, "mention parts searched");
#pragma omp parallel
  {
    PrunedSearch search(index_, name_vectors_.combined, pruning);
    std::vector<Hit> hits;
#pragma omp for schedule(dynamic, 64)
    for (std::size_t query = 0; query < num_queries; ++query) {
      const std::uint32_t excluded = excluded_names.empty() ? kNoName : excluded_names[query];
      const auto found = search.search(queries.combined.row_terms(query), queries.combined.row_values(query), [&](std::uint32_t name) {
        return excluded == kNoName || !same_variant(name, excluded);
      });
      hits.clear();
      for (const ScoredRow& row : found) hits.push_back({dictionary_.name_concept[row.row], row.row, row.score});
      // Keep the best names_searched names before grouping, as an exhaustive search would.
      const auto better = [](const Hit& a, const Hit& b) { return a.score != b.score ? a.score > b.score : a.name < b.name; };
      const std::size_t kept = std::min(hits.size(), searched);
      std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(kept), hits.end(), better);
      hits.resize(kept);
      keep_best_concepts(hits, k, slots.data() + query * k);
      progress.add();
    }
  }
  return slots_to_candidates(slots, k, dictionary_.num_concepts());
}

std::string ConceptRetriever::expand_abbreviations(std::string_view key, std::string_view context) const {
  const auto defined = context.empty() ? std::vector<std::pair<std::string, std::string>>{}
                                       : find_defined_abbreviations(context);
  const auto tokens = split_spaces(key);
  std::string expanded;
  for (const auto token : tokens) {
    std::string_view replacement = token;
    const auto in_context = std::find_if(defined.begin(), defined.end(), [&](const auto& pair) { return pair.first == token; });
    if (in_context != defined.end()) {
      replacement = in_context->second;
    } else if (tokens.size() > 1) {
      if (const auto found = abbreviations_.find(std::string(token)); found != abbreviations_.end()) {
        replacement = found->second;
      }
    }
    if (!expanded.empty()) expanded.push_back(' ');
    expanded.append(replacement);
  }
  return expanded;
}

std::vector<std::pair<std::string, std::string>> find_defined_abbreviations(std::string_view context) {
  std::vector<std::pair<std::string, std::string>> found;
  std::size_t open = context.find('(');
  while (open != std::string_view::npos) {
    const std::size_t close = context.find(')', open + 1);
    if (close == std::string_view::npos) break;
    const std::string short_form = retrieval_key(context.substr(open + 1, close - open - 1));
    if (looks_like_short_form(short_form) || (short_form.size() > 6 && short_form.size() <= 10 &&
                                              short_form.find(' ') == std::string::npos)) {
      // The long form lies in the words just before the parenthesis: at most min(|SF| + 5, 2 |SF|).
      const std::string before_key = retrieval_key(context.substr(0, open));
      const auto before = split_spaces(before_key);
      const std::size_t max_words = std::min(short_form.size() + 5, 2 * short_form.size());
      std::string window;
      for (std::size_t word = before.size() > max_words ? before.size() - max_words : 0; word < before.size(); ++word) {
        if (!window.empty()) window.push_back(' ');
        window.append(before[word]);
      }
      std::string long_form = best_long_form(short_form, window);
      if (!long_form.empty() && long_form.size() > short_form.size()) found.emplace_back(short_form, std::move(long_form));
    }
    open = context.find('(', close + 1);
  }
  return found;
}

}  // namespace matchmaker::candidates
