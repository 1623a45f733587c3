#include "features/mention_features.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>
#include <vector>

#include "features/similarity.h"
#include "matchmaker/progress.h"
#include "text/tfidf.h"

namespace matchmaker::features {
namespace {

enum Feature : std::size_t {
  kRetrievalScore,
  kCharCosine,
  kWordCosine,
  kRank,
  kGapToBest,
  kLeadOverOthers,
  kExactName,
  kJaroWinkler,
  kLevenshtein,
  kMongeElkan,
  kMentionCovered,
  kNameCovered,
  kNumberConflict,
  kNameExtraNumber,
  // No feature of the concept alone (such as its number of synonyms): pseudo-mentions come from
  // concepts with many synonyms, so the student learnt "big concepts match" (NCBI Acc@1 0.893 -> 0.905
  // without it).
  kLengthRatio,
  kConceptCovered,
  kHeadInName,
  kSubstitutedCovered,
  kNumFeatures,
};

void add_features(FeatureMatrix& matrix) {
  matrix.add_feature("retrieval score (grams + words TF-IDF)", +1);
  matrix.add_feature("character 3-gram TF-IDF cosine", +1);
  matrix.add_feature("word TF-IDF cosine", +1);
  matrix.add_feature("retrieval rank", -1);
  matrix.add_feature("score gap to the best candidate", -1);
  matrix.add_feature("score lead over the best other candidate", +1);
  matrix.add_feature("mention equals a synonym", +1);
  matrix.add_feature("Jaro-Winkler", +1);
  matrix.add_feature("Levenshtein ratio", +1);
  matrix.add_feature("Monge-Elkan", +1);
  matrix.add_feature("mention words found in the synonym (idf share)", +1);
  matrix.add_feature("synonym words found in the mention (idf share)", +1);
  matrix.add_feature("numbers differ", -1);
  matrix.add_feature("synonym has a number the mention lacks", -1);
  matrix.add_feature("length ratio", 0);
  matrix.add_feature("mention words found in any synonym of the concept (idf share)", +1);
  matrix.add_feature("mention head word (its last) in the synonym", +1);
  matrix.add_feature("mention words matched by a synonym, as is or by a mined substitution (best synonym, idf share)", +1);
}

// The number a word stands for: digits ("2", "1a" -> 1) or a roman numeral i-ix ("type ii"); -1 if none.
// "x" is left out: "x linked" is far more common than the numeral.
int number_of(std::string_view word) {
  static constexpr std::string_view kRoman[] = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"};
  for (std::size_t idx = 0; idx < std::size(kRoman); ++idx) {
    if (word == kRoman[idx]) return static_cast<int>(idx + 1);
  }
  if (word.empty() || !std::isdigit(static_cast<unsigned char>(word.front()))) return -1;
  int value = 0;
  for (const char character : word) {
    if (!std::isdigit(static_cast<unsigned char>(character)) || value > 100000) break;
    value = value * 10 + (character - '0');
  }
  return value;
}

void numbers_of(const std::vector<std::string_view>& words, std::vector<int>& numbers) {
  numbers.clear();
  for (const auto word : words) {
    if (const int number = number_of(word); number >= 0) numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
}

// Whether the mention's last word (the head of an English noun phrase: "prostate tumors"), singular or
// plural, is a word of the name (MeSH names put it anywhere: "neoplasms prostate").
bool head_in(const std::vector<std::string_view>& mention_words, const std::vector<std::string_view>& name_words) {
  if (mention_words.empty()) return false;
  const std::string_view head = mention_words.back();
  return std::any_of(name_words.begin(), name_words.end(), [&](std::string_view word) { return candidates::same_singular(word, head); });
}

// Squared-weight share of unit vector `a` that `b` also holds: 1 when every term of a is in b.
float covered_share(std::span<const std::uint32_t> terms_a, std::span<const float> values_a,
                    std::span<const std::uint32_t> terms_b) {
  float shared = 0;
  text::for_each_shared_term(terms_a, terms_b, [&](std::size_t idx_a, std::size_t) { shared += values_a[idx_a] * values_a[idx_a]; });
  return shared;
}

}  // namespace

FeatureMatrix compute_mention_features(const candidates::ConceptRetriever& retriever, const MentionQueries& queries) {
  const candidates::CandidatePairs& pairs = queries.candidates->pairs;
  const candidates::QueryVectors& query_vectors = *queries.vectors;
  const candidates::QueryVectors& name_vectors = retriever.name_vectors();
  FeatureMatrix matrix;
  add_features(matrix);
  matrix.num_rows = pairs.num_pairs();
  matrix.values.assign(matrix.num_rows * kNumFeatures, kMissing);

  const io::Dictionary& dictionary = retriever.dictionary();
  // Squared-weight share of the mention's words that some name of the concept holds (the mention's own
  // entry left out): a concept may spread a mention's words over several synonyms ("prostate tumors":
  // "prostate cancer", "prostatic tumors") where no single best name has them all.
  const auto concept_covered_share = [&](std::uint32_t concept_row, std::uint32_t excluded, std::span<const std::uint32_t> terms,
                                         std::span<const float> values, std::vector<std::uint8_t>& covered) {
    covered.assign(terms.size(), 0);
    for (std::uint64_t name = dictionary.concept_offsets[concept_row]; name < dictionary.concept_offsets[concept_row + 1]; ++name) {
      if (excluded != candidates::ConceptRetriever::kNoName && retriever.same_variant(static_cast<std::uint32_t>(name), excluded)) continue;
      text::for_each_shared_term(terms, name_vectors.words.row_terms(name), [&](std::size_t idx, std::size_t) { covered[idx] = 1; });
    }
    float share = 0;
    for (std::size_t idx = 0; idx < terms.size(); ++idx) share += covered[idx] ? values[idx] * values[idx] : 0.0f;
    return share;
  };
  // Best over the concept's names (the mention's own entry left out) of the squared-idf share of the
  // mention's words that the name holds as they are (word_form(): plurals folded, 7-letter stems) or through a substitution
  // mined from the dictionary ("prostate tumors": "prostate neoplasms" via tumor / neoplasm).
  const auto substituted_share = [&](std::uint32_t concept_row, std::uint32_t excluded, std::span<const std::uint32_t> words,
                                     std::span<const float> weights, float total) {
    float best_share = 0;
    if (total <= 0) return best_share;
    for (std::uint64_t name = dictionary.concept_offsets[concept_row]; name < dictionary.concept_offsets[concept_row + 1]; ++name) {
      if (excluded != candidates::ConceptRetriever::kNoName && retriever.same_variant(static_cast<std::uint32_t>(name), excluded)) continue;
      const auto name_ids = retriever.name_word_ids(static_cast<std::uint32_t>(name));
      float share = 0;
      for (std::size_t idx = 0; idx < words.size(); ++idx) {
        const std::uint32_t word = words[idx];
        if (word == candidates::ConceptRetriever::kNoWord) continue;
        const auto subs = retriever.substitutes(word);
        const bool matched = std::any_of(name_ids.begin(), name_ids.end(), [&](std::uint32_t id) {
          return id == word || std::binary_search(subs.begin(), subs.end(), id);
        });
        if (matched) share += weights[idx];
      }
      best_share = std::max(best_share, share / total);
    }
    return best_share;
  };
  Progress progress("features", pairs.num_left, "mentions");
#pragma omp parallel
  {
    std::vector<std::uint32_t> mention_ids;
    std::vector<float> mention_weights;
    std::vector<std::string_view> mention_words, name_words;
    std::vector<int> mention_numbers, name_numbers;
    std::vector<std::uint8_t> covered;
#pragma omp for schedule(dynamic, 32)
    for (std::size_t query = 0; query < pairs.num_left; ++query) {
      progress.add();
      const std::uint64_t first = pairs.query_offsets[query], last = pairs.query_offsets[query + 1];
      if (first == last) continue;
      const std::string_view mention = queries.keys[query];
      const std::uint32_t excluded = queries.excluded_names.empty() ? candidates::ConceptRetriever::kNoName : queries.excluded_names[query];
      const auto mention_terms = query_vectors.words.row_terms(query);
      const auto mention_values = query_vectors.words.row_values(query);
      candidates::key_words(mention, mention_words);
      numbers_of(mention_words, mention_numbers);
      mention_ids.clear();
      mention_weights.clear();
      float mention_total = 0;
      for (const auto word : mention_words) {
        const std::uint32_t id = retriever.word_id(word);
        if (std::find(mention_ids.begin(), mention_ids.end(), id) != mention_ids.end() && id != candidates::ConceptRetriever::kNoWord) continue;
        const float idf = retriever.word_idf(id);
        mention_ids.push_back(id);
        mention_weights.push_back(idf * idf);
        mention_total += idf * idf;
      }
      // The two best retrieval scores of the query: each candidate's lead is over the best of the others.
      float best = -1, second = -1;
      for (std::uint64_t pair = first; pair < last; ++pair) {
        const float score = pairs.score[pair];
        if (score > best) {
          second = best;
          best = score;
        } else if (score > second) {
          second = score;
        }
      }
      for (std::uint64_t pair = first; pair < last; ++pair) {
        const std::uint32_t name = queries.candidates->best_name[pair];
        const std::string_view name_key = retriever.name_keys()[name];
        candidates::key_words(name_key, name_words);
        numbers_of(name_words, name_numbers);
        float* row = matrix.values.data() + pair * kNumFeatures;
        const float score = pairs.score[pair];
        row[kRetrievalScore] = score;
        row[kCharCosine] = text::sparse_dot(query_vectors.chars.row_terms(query), query_vectors.chars.row_values(query),
                                            name_vectors.chars.row_terms(name), name_vectors.chars.row_values(name));
        row[kWordCosine] = text::sparse_dot(query_vectors.words.row_terms(query), query_vectors.words.row_values(query),
                                            name_vectors.words.row_terms(name), name_vectors.words.row_values(name));
        row[kRank] = pairs.rank_in_left[pair];
        row[kGapToBest] = best - score;
        row[kLeadOverOthers] = score - (score == best ? std::max(second, 0.0f) : best);
        row[kExactName] = mention == name_key ? 1.0f : 0.0f;
        row[kJaroWinkler] = static_cast<float>(jaro_winkler(mention, name_key));
        row[kLevenshtein] = static_cast<float>(levenshtein_ratio(mention, name_key));
        row[kMongeElkan] = static_cast<float>(monge_elkan(mention_words, name_words));
        row[kMentionCovered] = covered_share(query_vectors.words.row_terms(query), query_vectors.words.row_values(query),
                                             name_vectors.words.row_terms(name));
        row[kNameCovered] = covered_share(name_vectors.words.row_terms(name), name_vectors.words.row_values(name),
                                          query_vectors.words.row_terms(query));
        const bool both_numbered = !mention_numbers.empty() && !name_numbers.empty();
        row[kNumberConflict] = both_numbered && mention_numbers != name_numbers ? 1.0f : 0.0f;
        row[kNameExtraNumber] = mention_numbers.empty() && !name_numbers.empty() ? 1.0f : 0.0f;
        const auto shorter = std::min(mention.size(), name_key.size()), longer = std::max(mention.size(), name_key.size());
        row[kLengthRatio] = longer > 0 ? static_cast<float>(shorter) / static_cast<float>(longer) : 1.0f;
        row[kHeadInName] = head_in(mention_words, name_words) ? 1.0f : 0.0f;
        row[kConceptCovered] = concept_covered_share(pairs.right[pair], excluded, mention_terms, mention_values, covered);
        row[kSubstitutedCovered] = substituted_share(pairs.right[pair], excluded, mention_ids, mention_weights, mention_total);
      }
    }
  }
  return matrix;
}

}  // namespace matchmaker::features
