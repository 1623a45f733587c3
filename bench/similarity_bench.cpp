// Micro benchmarks of the string similarity functions that pair features call for every candidate pair:
// jaro_winkler and levenshtein_ratio on whole values (cut to at most 100 bytes), monge_elkan on their word
// tokens. The inputs are normalised as the pipeline normalises attribute values, so the ASCII fast paths and
// token lengths are the ones real data sees: DBLP-ACM-like titles (~60-100 chars) and author lists (~40 chars),
// product names (~50 chars), and non-ASCII text (Cyrillic names, a Japanese title).
//
//   build/bench/similarity_bench                                   # all
//   build/bench/similarity_bench --benchmark_filter='MongeElkan'   # one function
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "features/similarity.h"
#include "text/normalize.h"
#include "text/tokenize.h"

namespace {

using namespace matchmaker;

struct PairCase {
  const char* name;
  const char* left;
  const char* right;
};

// Matches differ in punctuation, abbreviations and small edits; non-matches are what TF-IDF blocking
// proposes: values that share a few words.
constexpr PairCase kCases[] = {
    {"title_match", "Query Optimization in Compressed Database Systems: A Cost-Based Approach for Adaptive Storage",
     "Query optimization in compressed database systems - a cost based approach to adaptive storage"},
    {"title_nonmatch", "Efficient Computation of Iceberg Cubes with Complex Measures in Data Warehouses",
     "Efficient Evaluation of XML Path Queries with Complex Predicates over Data Streams"},
    {"authors_match", "Surajit Chaudhuri, Vivek R. Narasayya, Gerhard Weikum",
     "S. Chaudhuri, V. Narasayya, G. Weikum"},
    {"authors_nonmatch", "Zhiyuan Chen, Johannes Gehrke, Flip Korn", "Nick Koudas, Divesh Srivastava, Beng Chin Ooi"},
    {"product_match", "Sony Bravia KDL-40V4100 40\" LCD HDTV - Black",
     "Sony BRAVIA V-Series 40in LCD Television KDL40V4100"},
    {"nonascii_authors", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439 \u0418\u0432\u0430\u043D\u043E\u0432, "
                         "\u0421\u0435\u0440\u0433\u0435\u0439 \u041A\u0443\u0437\u043D\u0435\u0446\u043E\u0432",
     "\u0414. \u0418\u0432\u0430\u043D\u043E\u0432, \u0421. \u041A\u0443\u0437\u043D\u0435\u0446\u043E\u0432, "
     "\u0410. \u0421\u043C\u0438\u0440\u043D\u043E\u0432\u0430"},  // Дмитрий Иванов, ... vs Д. Иванов, ...
    {"nonascii_title",
     "\u5927\u898F\u6A21\u30C7\u30FC\u30BF\u30D9\u30FC\u30B9\u306B\u304A\u3051\u308B\u52B9\u7387\u7684\u306A"
     "\u554F\u3044\u5408\u308F\u305B\u51E6\u7406",  // 大規模データベースにおける効率的な問い合わせ処理
     "\u5927\u898F\u6A21\u30C7\u30FC\u30BF\u30D9\u30FC\u30B9\u306E\u554F\u3044\u5408\u308F\u305B\u6700\u9069"
     "\u5316"},  // 大規模データベースの問い合わせ最適化
};

// As pair features cut values before the edit-based measures (options.max_edit_chars), at a code point start.
std::string_view prefix_of(std::string_view value, std::size_t max_bytes = 100) {
  if (value.size() <= max_bytes) return value;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return value.substr(0, cut);
}

struct Prepared {
  std::string left, right;                                  // normalised
  std::vector<std::string_view> left_tokens, right_tokens;  // word tokens of the cut values
};

Prepared prepare(const PairCase& pair_case) {
  Prepared p;
  p.left = text::normalize(pair_case.left);
  p.right = text::normalize(pair_case.right);
  text::word_tokens(prefix_of(p.left), p.left_tokens);
  text::word_tokens(prefix_of(p.right), p.right_tokens);
  return p;
}

void set_label(benchmark::State& state, const Prepared& p) {
  const std::string bytes = std::to_string(p.left.size()) + "/" + std::to_string(p.right.size()) + " bytes, ";
  const std::string tokens = std::to_string(p.left_tokens.size()) + "x" + std::to_string(p.right_tokens.size());
  state.SetLabel(bytes + tokens + " tokens");
}

void BM_JaroWinkler(benchmark::State& state, const PairCase& pair_case) {
  const Prepared p = prepare(pair_case);
  const std::string_view left = prefix_of(p.left), right = prefix_of(p.right);
  for (auto _ : state) benchmark::DoNotOptimize(features::jaro_winkler(left, right));
  set_label(state, p);
}

void BM_LevenshteinRatio(benchmark::State& state, const PairCase& pair_case) {
  const Prepared p = prepare(pair_case);
  const std::string_view left = prefix_of(p.left), right = prefix_of(p.right);
  for (auto _ : state) benchmark::DoNotOptimize(features::levenshtein_ratio(left, right));
  set_label(state, p);
}

void BM_MongeElkan(benchmark::State& state, const PairCase& pair_case) {
  const Prepared p = prepare(pair_case);
  for (auto _ : state) benchmark::DoNotOptimize(features::monge_elkan(p.left_tokens, p.right_tokens));
  set_label(state, p);
}

// The three calls pair features make per short attribute, tokenisation included.
void BM_AllThree(benchmark::State& state, const PairCase& pair_case) {
  const Prepared p = prepare(pair_case);
  const std::string_view left = prefix_of(p.left), right = prefix_of(p.right);
  std::vector<std::string_view> left_tokens, right_tokens;
  for (auto _ : state) {
    benchmark::DoNotOptimize(features::jaro_winkler(left, right));
    benchmark::DoNotOptimize(features::levenshtein_ratio(left, right));
    text::word_tokens(left, left_tokens);
    text::word_tokens(right, right_tokens);
    benchmark::DoNotOptimize(features::monge_elkan(left_tokens, right_tokens));
  }
  set_label(state, p);
}

const bool kRegistered = [] {
  for (const PairCase& pair_case : kCases) {
    const std::string suffix = std::string("/") + pair_case.name;
    benchmark::RegisterBenchmark(("BM_JaroWinkler" + suffix).c_str(), BM_JaroWinkler, pair_case);
    benchmark::RegisterBenchmark(("BM_LevenshteinRatio" + suffix).c_str(), BM_LevenshteinRatio, pair_case);
    benchmark::RegisterBenchmark(("BM_MongeElkan" + suffix).c_str(), BM_MongeElkan, pair_case);
    benchmark::RegisterBenchmark(("BM_AllThree" + suffix).c_str(), BM_AllThree, pair_case);
  }
  return true;
}();

}  // namespace
