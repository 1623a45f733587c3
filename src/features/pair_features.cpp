#include "features/pair_features.h"

#include <algorithm>
#include <cmath>
#include <omp.h>

#include "features/similarity.h"
#include "matchmaker/progress.h"
#include "text/tokenize.h"

namespace matchmaker::features {
namespace {

enum class AttributeKind { kText, kShortText, kNumber };

struct UsedAttribute {
  std::size_t index;  // into the alignment / EncodedTable::attributes
  AttributeKind kind;
};

struct AttributeStats {
  double fill = 0;         // share of non-empty values
  double mean_chars = 0;   // over non-empty values
  double number_share = 0; // share of non-empty values that are numbers
};

AttributeStats stats_of(const text::EncodedAttribute& attribute) {
  AttributeStats stats;
  const std::size_t num_rows = attribute.numbers.size();
  std::size_t filled = 0, chars = 0, numbers = 0;
  for (std::size_t row = 0; row < num_rows; ++row) {
    const std::size_t length = attribute.value(row).size();
    if (length == 0) continue;
    ++filled;
    chars += length;
    if (!std::isnan(attribute.numbers[row])) ++numbers;
  }
  if (num_rows > 0) stats.fill = static_cast<double>(filled) / num_rows;
  if (filled > 0) {
    stats.mean_chars = static_cast<double>(chars) / filled;
    stats.number_share = static_cast<double>(numbers) / filled;
  }
  return stats;
}

// Attributes worth comparing: filled on both sides, best-filled first, capped.
std::vector<UsedAttribute> choose_attributes(const text::EncodedTable& left, const text::EncodedTable& right,
                                             const PairFeatureOptions& options) {
  std::vector<std::pair<double, UsedAttribute>> ranked;
  for (std::size_t idx = 0; idx < left.attributes.size(); ++idx) {
    const AttributeStats left_stats = stats_of(left.attributes[idx]);
    const AttributeStats right_stats = stats_of(right.attributes[idx]);
    const double fill = std::min(left_stats.fill, right_stats.fill);
    if (fill <= 0.0) continue;
    AttributeKind kind = AttributeKind::kText;
    if (left_stats.number_share >= 0.8 && right_stats.number_share >= 0.8) {
      kind = AttributeKind::kNumber;
    } else if (std::max(left_stats.mean_chars, right_stats.mean_chars) <= static_cast<double>(options.short_value_chars)) {
      kind = AttributeKind::kShortText;
    }
    ranked.push_back({fill, UsedAttribute{idx, kind}});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (ranked.size() > options.max_attributes) ranked.resize(options.max_attributes);
  std::vector<UsedAttribute> used;
  for (const auto& entry : ranked) used.push_back(entry.second);
  std::sort(used.begin(), used.end(), [](const UsedAttribute& a, const UsedAttribute& b) { return a.index < b.index; });
  return used;
}

// A cosine of identical texts, summed in floats, lands a hair above or below 1 (0.9999999,
// 1.0000004): the trees split between such values, and identical records were decided apart (8 of
// 300 records linked to an exact copy of their table were left unmatched). Within 1e-5 of 1 is 1.
float snap_to_one(float cosine) { return cosine > 1.0f - 1e-5f ? 1.0f : cosine; }

// Two word sets weighted by idf squared (each word once): the weight they share and each one's total.
struct IdfOverlap {
  double shared = 0, total_a = 0, total_b = 0;
};

IdfOverlap idf_overlap(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b, const std::vector<float>& idf) {
  IdfOverlap overlap;
  for (std::uint32_t term : a) overlap.total_a += static_cast<double>(idf[term]) * idf[term];
  for (std::uint32_t term : b) overlap.total_b += static_cast<double>(idf[term]) * idf[term];
  text::for_each_shared_term(a, b, [&](std::size_t idx_a, std::size_t) {
    overlap.shared += static_cast<double>(idf[a[idx_a]]) * idf[a[idx_a]];
  });
  return overlap;
}

// Cosine of two word sets weighted by idf (each word once): how much rare vocabulary two values share.
float idf_set_cosine(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b, const std::vector<float>& idf) {
  if (a.empty() || b.empty()) return kMissing;
  const IdfOverlap overlap = idf_overlap(a, b, idf);
  return snap_to_one(static_cast<float>(overlap.shared / std::sqrt(overlap.total_a * overlap.total_b)));
}

float cosine(const text::WeightedRows& a, std::size_t row_a, const text::WeightedRows& b, std::size_t row_b) {
  const float norms = a.norms[row_a] * b.norms[row_b];
  if (norms <= 0) return kMissing;
  return snap_to_one(text::sparse_dot(a.rows.row_terms(row_a), a.rows.row_values(row_a), b.rows.row_terms(row_b),
                                      b.rows.row_values(row_b)) /
                     norms);
}

// Cut at a code-point boundary at or before `max_bytes`.
std::string_view prefix_of(std::string_view value, std::size_t max_bytes) {
  if (value.size() <= max_bytes) return value;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return value.substr(0, cut);
}

// Best and second-best blocking score of each record over its candidate pairs.
struct TopTwo {
  std::vector<float> best, second;
  explicit TopTwo(std::size_t size) : best(size, 0.0f), second(size, 0.0f) {}
  void add(std::uint32_t record, float score) {
    if (score > best[record]) {
      second[record] = best[record];
      best[record] = score;
    } else if (score > second[record]) {
      second[record] = score;
    }
  }
  // Margin of `score` over the record's best other candidate (positive only for its top candidate).
  float margin(std::uint32_t record, float score) const {
    return score >= best[record] ? score - second[record] : score - best[record];
  }
};

}  // namespace

FeatureMatrix compute_pair_features(const SideView& left, const SideView& right,
                                    const text::AttributeAlignment& alignment, const std::vector<float>& word_idf,
                                    const candidates::CandidatePairs& pairs, const PairFeatureOptions& options) {
  const std::vector<UsedAttribute> attributes = choose_attributes(*left.table, *right.table, options);

  FeatureMatrix matrix;
  constexpr int kUp = 1, kDown = -1;
  for (const char* name : {"record tf-idf cosine", "record word cosine", "record 3-gram cosine", "record word jaccard",
                           "model codes shared", "model code overlap"}) {
    matrix.add_feature(name, kUp);
  }
  matrix.add_feature("rank among left's candidates", kDown);
  matrix.add_feature("rank among right's candidates", kDown);
  for (const char* name : {"mutual best candidate", "margin over left's next best", "margin over right's next best",
                           "best attribute agreement", "mean attribute agreement",
                           // Containment, one side at a time: cosine cannot tell a near-empty record
                           // that holds a few of the query's words from a rich one that holds all of
                           // them plus a long description (IMDB-TVDB: title-less episode stubs).
                           "left's words found in right", "right's words found in left"}) {
    matrix.add_feature(name, kUp);
  }
  const std::size_t num_record_features = matrix.names.size();
  for (const UsedAttribute& attribute : attributes) {
    const std::string& name = alignment.names[attribute.index];
    matrix.add_feature(name + " word cosine", kUp);
    if (attribute.kind == AttributeKind::kNumber) {
      matrix.add_feature(name + " relative difference", kDown);
    } else if (attribute.kind == AttributeKind::kShortText) {
      matrix.add_feature(name + " jaro-winkler", kUp);
      matrix.add_feature(name + " levenshtein ratio", kUp);
      matrix.add_feature(name + " monge-elkan", kUp);
      matrix.add_feature(name + " numbers differing", kDown);
    }
  }

  TopTwo left_top(pairs.num_left), right_top(pairs.num_right);
  for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    left_top.add(pairs.left[pair], pairs.score[pair]);
    right_top.add(pairs.right[pair], pairs.score[pair]);
  }

  const std::size_t num_features = matrix.names.size();
  matrix.num_rows = pairs.num_pairs();
  matrix.values.assign(matrix.num_rows * num_features, kMissing);

  Progress progress("features", pairs.num_pairs(), "pairs");
  constexpr std::size_t kPairsPerProgress = 1024;  // one atomic add per this many pairs, not per pair
#pragma omp parallel
  {
    std::vector<std::string_view> left_tokens, right_tokens, left_numbers, right_numbers;
#pragma omp for schedule(dynamic, 256)
    for (std::size_t pair = 0; pair < pairs.num_pairs(); ++pair) {
      if (pair % kPairsPerProgress == 0) progress.add(std::min(kPairsPerProgress, pairs.num_pairs() - pair));
      const std::uint32_t left_row = pairs.left[pair];
      const std::uint32_t right_row = pairs.right[pair];
      float* out = matrix.values.data() + pair * num_features;
      const float score = pairs.score[pair];

      out[0] = snap_to_one(score);
      out[1] = cosine(*left.word_weights, left_row, *right.word_weights, right_row);
      out[2] = cosine(*left.gram_weights, left_row, *right.gram_weights, right_row);
      out[3] = static_cast<float>(jaccard_sorted(left.table->words.row_terms(left_row), right.table->words.row_terms(right_row)));
      const auto left_codes = left.table->codes.row_terms(left_row);
      const auto right_codes = right.table->codes.row_terms(right_row);
      const std::size_t shared_codes = intersection_size_sorted(left_codes, right_codes);
      out[4] = static_cast<float>(shared_codes);
      if (!left_codes.empty() && !right_codes.empty()) {
        out[5] = static_cast<float>(shared_codes) / static_cast<float>(std::min(left_codes.size(), right_codes.size()));
      }
      // A pair outside one side's top-k has no rank there: missing, and the trees learn what that means.
      if (pairs.rank_in_left[pair] > 0) out[6] = pairs.rank_in_left[pair];
      if (pairs.rank_in_right[pair] > 0) out[7] = pairs.rank_in_right[pair];
      out[8] = (pairs.rank_in_left[pair] == 1 && pairs.rank_in_right[pair] == 1) ? 1.0f : 0.0f;
      out[9] = left_top.margin(left_row, score);
      out[10] = right_top.margin(right_row, score);
      const auto left_words = left.table->words.row_terms(left_row);
      const auto right_words = right.table->words.row_terms(right_row);
      if (!left_words.empty() && !right_words.empty()) {
        const IdfOverlap overlap = idf_overlap(left_words, right_words, word_idf);
        out[13] = static_cast<float>(overlap.shared / overlap.total_a);
        out[14] = static_cast<float>(overlap.shared / overlap.total_b);
      }

      std::size_t column = num_record_features;
      // Agreement of the short attributes both records fill (Levenshtein ratio): schema-agnostic
      // evidence that the identifying field (a name, a title) is the same.
      double agreement_sum = 0, agreement_best = -1;
      std::size_t agreement_count = 0;
      for (const UsedAttribute& attribute : attributes) {
        const text::EncodedAttribute& left_attribute = left.table->attributes[attribute.index];
        const text::EncodedAttribute& right_attribute = right.table->attributes[attribute.index];
        const std::string_view left_value = left_attribute.value(left_row);
        const std::string_view right_value = right_attribute.value(right_row);
        const bool both_present = !left_value.empty() && !right_value.empty();
        out[column++] = idf_set_cosine(left_attribute.words.row_terms(left_row),
                                       right_attribute.words.row_terms(right_row), word_idf);
        if (attribute.kind == AttributeKind::kNumber) {
          const float left_number = left_attribute.numbers[left_row];
          const float right_number = right_attribute.numbers[right_row];
          if (!std::isnan(left_number) && !std::isnan(right_number)) {
            out[column] = static_cast<float>(relative_difference(left_number, right_number));
          }
          ++column;
        } else if (attribute.kind == AttributeKind::kShortText) {
          if (both_present) {
            const auto left_prefix = prefix_of(left_value, options.max_edit_chars);
            const auto right_prefix = prefix_of(right_value, options.max_edit_chars);
            out[column] = static_cast<float>(jaro_winkler(left_prefix, right_prefix));
            out[column + 1] = static_cast<float>(levenshtein_ratio(left_prefix, right_prefix));
            agreement_sum += out[column + 1];
            agreement_best = std::max(agreement_best, static_cast<double>(out[column + 1]));
            ++agreement_count;
            text::word_tokens(left_prefix, left_tokens);
            text::word_tokens(right_prefix, right_tokens);
            out[column + 2] = static_cast<float>(monge_elkan(left_tokens, right_tokens));
            // Versions, editions, volumes: "logic express 6" is not "logic express 7.2".
            numbers_in_tokens(left_tokens, left_numbers);
            numbers_in_tokens(right_tokens, right_numbers);
            if (!left_numbers.empty() && !right_numbers.empty()) {
              out[column + 3] = static_cast<float>(unmatched_numbers(left_numbers, right_numbers));
            }
          }
          column += 4;
        }
      }
      if (agreement_count > 0) {
        out[11] = static_cast<float>(agreement_best);
        out[12] = static_cast<float>(agreement_sum / static_cast<double>(agreement_count));
      }
    }
  }
  return matrix;
}

}  // namespace matchmaker::features
