#include "features/similarity.h"
#include "text/normalize.h"
#include "text/tokenize.h"
#include "text/utf8.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace matchmaker::features {
namespace {

using Tokens = std::vector<std::string_view>;
using Ids = std::vector<std::uint32_t>;

// Literature values are quoted to four decimals.
constexpr double kQuoted = 5e-5;

TEST(SimilarityTest, JaroWinklerLiteratureValues) {
  // Winkler (1990), as quoted on Wikipedia and in most string-metric libraries.
  EXPECT_NEAR(jaro_winkler("MARTHA", "MARHTA"), 0.9611, kQuoted);
  EXPECT_NEAR(jaro_winkler("DWAYNE", "DUANE"), 0.84, kQuoted);
  EXPECT_NEAR(jaro_winkler("DIXON", "DICKSONX"), 0.8133, kQuoted);
  EXPECT_NEAR(jaro_winkler("JELLYFISH", "SMELLYFISH"), 0.8963, kQuoted);  // no common prefix: plain Jaro
}

TEST(SimilarityTest, JaroWinklerBoostHasNoThreshold) {
  // "AB" vs "AC" has Jaro 2/3, below the 0.7 threshold some implementations use; the prefix boost still applies.
  const double jaro = (0.5 + 0.5 + 1.0) / 3.0;
  EXPECT_NEAR(jaro_winkler("AB", "AC"), jaro + 0.1 * (1.0 - jaro), 1e-12);
}

TEST(SimilarityTest, JaroWinklerEdgeCases) {
  EXPECT_DOUBLE_EQ(jaro_winkler("", ""), 1.0);
  EXPECT_DOUBLE_EQ(jaro_winkler("abc", ""), 0.0);
  EXPECT_DOUBLE_EQ(jaro_winkler("", "abc"), 0.0);
  EXPECT_DOUBLE_EQ(jaro_winkler("abc", "abc"), 1.0);
  EXPECT_DOUBLE_EQ(jaro_winkler("abc", "xyz"), 0.0);
  EXPECT_DOUBLE_EQ(jaro_winkler("a", "a"), 1.0);
  EXPECT_DOUBLE_EQ(jaro_winkler("ab", "ba"), 0.0);  // window 0: only same positions can match
}

TEST(SimilarityTest, JaroWinklerComparesCodePoints) {
  // 東京 vs 東京都: 2 matches, no transpositions, prefix 2 -> 8/9 + 0.2 * 1/9.
  EXPECT_NEAR(jaro_winkler("\u6771\u4EAC", "\u6771\u4EAC\u90FD"), 8.0 / 9.0 + 0.2 / 9.0, 1e-12);
  // Müller vs Mueller: 5 matches in 6 and 7 code points, one transposition, prefix 1.
  const double jaro = (5.0 / 6.0 + 5.0 / 7.0 + 4.0 / 5.0) / 3.0;
  EXPECT_NEAR(jaro_winkler("M\u00FCller", "Mueller"), jaro + 0.1 * (1.0 - jaro), 1e-12);
  EXPECT_DOUBLE_EQ(jaro_winkler("\u00FC", "\u00FC"), 1.0);
  EXPECT_DOUBLE_EQ(jaro_winkler("\u00FC", "u"), 0.0);
  EXPECT_NEAR(jaro_winkler("a\u00FC", "a\u00FCb"), (1.0 + 2.0 / 3.0 + 1.0) / 3.0 + 0.2 * (1.0 - (1.0 + 2.0 / 3.0 + 1.0) / 3.0),
              1e-12);  // lengths 2 and 3 in code points (3 and 4 in bytes)
}

TEST(SimilarityTest, LevenshteinDistance) {
  EXPECT_EQ(levenshtein_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(levenshtein_distance("sitting", "kitten"), 3u);
  EXPECT_EQ(levenshtein_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(levenshtein_distance("", ""), 0u);
  EXPECT_EQ(levenshtein_distance("abc", ""), 3u);
  EXPECT_EQ(levenshtein_distance("", "abcd"), 4u);
  EXPECT_EQ(levenshtein_distance("same", "same"), 0u);
  EXPECT_EQ(levenshtein_distance("abcdef", "azcdyf"), 2u);
}

TEST(SimilarityTest, LevenshteinComparesCodePoints) {
  EXPECT_EQ(levenshtein_distance("\u00FC", "u"), 1u);  // 2 bytes vs 1: byte-wise this would be 2
  EXPECT_EQ(levenshtein_distance("M\u00FCller", "Mueller"), 2u);
  EXPECT_EQ(levenshtein_distance("\u6771\u4EAC", "\u6771\u4EAC\u90FD"), 1u);
  EXPECT_EQ(levenshtein_distance("\U0001F600a", "a"), 1u);
  EXPECT_EQ(levenshtein_distance("ab\xFF", "ab"), 1u);  // an invalid byte is one U+FFFD
}

TEST(SimilarityTest, InvalidUtf8IsOneReplacementPerByte) {
  // Each byte that does not start a well-formed sequence (as utf8proc_iterate decides) is one U+FFFD.
  const std::string replacements = "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD";
  const auto code_points = [](std::string_view s) { return levenshtein_distance(s, ""); };
  EXPECT_EQ(code_points("\x80"), 1u);                  // lone continuation byte
  EXPECT_EQ(code_points("\xC0\xAF"), 2u);              // overlong '/'
  EXPECT_EQ(code_points("\xE0\x80\xAF"), 3u);          // overlong, three bytes
  EXPECT_EQ(code_points("\xF0\x80\x80\xAF"), 4u);      // overlong, four bytes
  EXPECT_EQ(code_points("\xED\xA0\x80"), 3u);          // UTF-16 surrogate U+D800
  EXPECT_EQ(code_points("\xF4\x90\x80\x80"), 4u);      // above U+10FFFF
  EXPECT_EQ(code_points("\xF8\x88\x80\x80\x80"), 5u);  // five-byte form
  EXPECT_EQ(code_points("a\xF0\x9F\x98"), 4u);         // truncated at the end
  EXPECT_EQ(code_points("\xF4\x8F\xBF\xBF"), 1u);      // U+10FFFF, the largest code point
  EXPECT_EQ(code_points("\xED\x9F\xBF"), 1u);          // U+D7FF, just below the surrogates
  EXPECT_EQ(levenshtein_distance("\xED\xA0\x80", replacements.substr(0, 9)), 0u);
  EXPECT_EQ(levenshtein_distance("\xE6\x9D\xB1\xED\xA0\x80", "\u6771"), 3u);
  EXPECT_DOUBLE_EQ(jaro_winkler("\xC0\xAF", replacements.substr(0, 6)), 1.0);
}

TEST(SimilarityTest, LevenshteinRatio) {
  EXPECT_DOUBLE_EQ(levenshtein_ratio("", ""), 1.0);
  EXPECT_DOUBLE_EQ(levenshtein_ratio("abc", ""), 0.0);
  EXPECT_DOUBLE_EQ(levenshtein_ratio("abc", "abc"), 1.0);
  EXPECT_NEAR(levenshtein_ratio("kitten", "sitting"), 1.0 - 3.0 / 7.0, 1e-12);
  EXPECT_NEAR(levenshtein_ratio("\u6771\u4EAC", "\u6771\u4EAC\u90FD"), 1.0 - 1.0 / 3.0, 1e-12);  // 3 code points, not 9 bytes
}

// Maps an ASCII string onto distinct non-ASCII code points (U+0100 + byte), so the decoding path must give the
// same answers as the ASCII fast path.
std::string lift(std::string_view ascii) {
  std::string out;
  for (const char c : ascii) {
    const unsigned cp = 0x100 + static_cast<unsigned char>(c);
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

TEST(SimilarityTest, AsciiFastPathMatchesDecodedPath) {
  std::mt19937 rng(7);
  const auto random_string = [&] {
    std::string s;
    const int len = static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) s.push_back(static_cast<char>('a' + rng() % 4));
    return s;
  };
  for (int round = 0; round < 3000; ++round) {
    const std::string a = random_string();
    const std::string b = random_string();
    ASSERT_EQ(jaro_winkler(a, b), jaro_winkler(lift(a), lift(b))) << a << " / " << b;
    ASSERT_EQ(jaro_winkler(a, b), jaro_winkler(b, a)) << a << " / " << b;
    ASSERT_EQ(levenshtein_distance(a, b), levenshtein_distance(lift(a), lift(b))) << a << " / " << b;
    ASSERT_EQ(levenshtein_distance(a, b), levenshtein_distance(b, a)) << a << " / " << b;
    const double jw = jaro_winkler(a, b);
    ASSERT_GE(jw, 0.0);
    ASSERT_LE(jw, 1.0);
  }
}

// Random strings for checking the bit-parallel implementations against plain reference definitions. Code points
// come from a small alphabet so that equal characters (matches, shared prefixes) are common; the non-ASCII
// alphabet mixes ASCII, Latin-1 (direct table), other BMP (hashed table) and astral code points, plus U+FFFD.
class RandomText {
 public:
  explicit RandomText(std::uint32_t seed) : rng_(seed) {}

  std::u32string code_points(std::size_t max_length, bool ascii) {
    static constexpr char32_t kNonAscii[] = {U'a', U'b', U'c', U' ', U'\u00E9', U'\u00FF', U'\u0436',
                                             U'\u6771', U'\u4EAC', U'\uFFFD', U'\U0001F600'};
    std::u32string s;
    const std::size_t length = rng_() % (max_length + 1);
    const std::size_t alphabet = 2 + rng_() % 9;  // narrow alphabets give long runs of matches
    for (std::size_t k = 0; k < length; ++k) {
      const std::size_t pick = rng_() % alphabet;
      s.push_back(ascii ? static_cast<char32_t>(pick < 8 ? 'a' + pick : 'A' + rng_() % 58) : kNonAscii[pick]);
    }
    return s;
  }

  // `s` after a few random edits, so that distances are small as well as large.
  std::u32string edited(std::u32string s, bool ascii) {
    const std::size_t edits = rng_() % 6;
    for (std::size_t e = 0; e < edits; ++e) {
      const std::u32string piece = code_points(2, ascii);
      const std::size_t at = s.empty() ? 0 : rng_() % s.size();
      switch (rng_() % 3) {
        case 0: s.insert(at, piece); break;
        case 1: if (!s.empty()) s.erase(at, 1 + rng_() % 2); break;
        default: if (!s.empty() && !piece.empty()) s[at] = piece[0]; break;
      }
    }
    return s;
  }

  std::uint32_t operator()() { return rng_(); }

 private:
  std::mt19937 rng_;
};

std::string utf8(std::u32string_view code_points) {
  std::string out;
  for (const char32_t code_point : code_points) text::append_utf8(code_point, out);
  return out;
}

// Textbook Wagner-Fischer dynamic programming, the reference for the bit-parallel (Myers / Hyyrö) implementation.
std::size_t reference_levenshtein(std::u32string_view a, std::u32string_view b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 0; i < a.size(); ++i) {
    current[0] = i + 1;
    for (std::size_t j = 0; j < b.size(); ++j) {
      current[j + 1] = std::min({previous[j] + (a[i] == b[j] ? 0 : 1), previous[j + 1] + 1, current[j] + 1});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// The plain Jaro-Winkler definition with a scan of the match window (the implementation before the bit-parallel
// one); results must be identical to the last bit.
double reference_jaro_winkler(std::u32string_view a, std::u32string_view b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  const std::size_t half = std::max(a.size(), b.size()) / 2;
  const std::size_t window = half > 0 ? half - 1 : 0;
  std::vector<bool> a_matched(a.size()), b_matched(b.size());
  std::size_t matches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(i + window + 1, b.size());
    for (std::size_t j = lo; j < hi; ++j) {
      if (b_matched[j] || a[i] != b[j]) continue;
      a_matched[i] = b_matched[j] = true;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  std::size_t half_transpositions = 0;
  for (std::size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!a_matched[i]) continue;
    while (!b_matched[j]) ++j;
    if (a[i] != b[j]) ++half_transpositions;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double jaro = (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) +
                       (m - static_cast<double>(half_transpositions / 2)) / m) /
                      3.0;
  std::size_t prefix = 0;
  while (prefix < std::min<std::size_t>({4, a.size(), b.size()}) && a[prefix] == b[prefix]) ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

TEST(SimilarityTest, BitParallelLevenshteinMatchesDynamicProgramming) {
  RandomText random(11);
  for (int round = 0; round < 4000; ++round) {
    const bool ascii = round % 2 == 0;
    const std::u32string a = random.code_points(150, ascii);
    const std::u32string b = random() % 2 ? random.edited(a, ascii) : random.code_points(150, ascii);
    const std::size_t expected = reference_levenshtein(a, b);
    ASSERT_EQ(levenshtein_distance(utf8(a), utf8(b)), expected) << utf8(a) << " / " << utf8(b);
    ASSERT_EQ(levenshtein_distance(utf8(b), utf8(a)), expected) << utf8(a) << " / " << utf8(b);
    const std::size_t longest = std::max(a.size(), b.size());
    const double ratio = longest == 0 ? 1.0 : 1.0 - static_cast<double>(expected) / static_cast<double>(longest);
    ASSERT_EQ(levenshtein_ratio(utf8(a), utf8(b)), ratio) << utf8(a) << " / " << utf8(b);
  }
}

TEST(SimilarityTest, BitParallelLevenshteinAtWordBoundaries) {
  // Patterns of 63..65 and 127..129 characters, where the last row moves between words of the bit vectors.
  RandomText random(12);
  for (const std::size_t length : {1u, 63u, 64u, 65u, 127u, 128u, 129u, 200u}) {
    for (int round = 0; round < 50; ++round) {
      std::u32string a;
      for (std::size_t k = 0; k < length; ++k) a.push_back(U"ab\u6771"[random() % 3]);
      const std::u32string b = random.edited(a, false);
      ASSERT_EQ(levenshtein_distance(utf8(a), utf8(b)), reference_levenshtein(a, b)) << utf8(a) << " / " << utf8(b);
      ASSERT_EQ(levenshtein_distance(utf8(a), std::string(length, 'x')), length);  // nothing in common
    }
  }
}

TEST(SimilarityTest, BitParallelJaroWinklerMatchesWindowScan) {
  RandomText random(13);
  for (int round = 0; round < 4000; ++round) {
    const bool ascii = round % 2 == 0;
    const std::size_t max_length = round % 4 < 2 ? 150 : 12;  // long: several words of masks; short: tokens
    const std::u32string a = random.code_points(max_length, ascii);
    const std::u32string b = random() % 2 ? random.edited(a, ascii) : random.code_points(max_length, ascii);
    ASSERT_EQ(jaro_winkler(utf8(a), utf8(b)), reference_jaro_winkler(a, b)) << utf8(a) << " / " << utf8(b);
    ASSERT_EQ(jaro_winkler(utf8(b), utf8(a)), reference_jaro_winkler(b, a)) << utf8(a) << " / " << utf8(b);
  }
}

TEST(SimilarityTest, MongeElkanMatchesPairwiseDefinition) {
  // monge_elkan decodes each token once, reuses masks and skips pairs that cannot raise a maximum; it must equal
  // the direct definition over jaro_winkler calls.
  const auto reference = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    double a_to_b = 0.0;
    for (const std::string& x : a) {
      double best = 0.0;
      for (const std::string& y : b) best = std::max(best, jaro_winkler(x, y));
      a_to_b += best;
    }
    double b_to_a = 0.0;
    for (const std::string& y : b) {
      double best = 0.0;
      for (const std::string& x : a) best = std::max(best, jaro_winkler(x, y));
      b_to_a += best;
    }
    return 0.5 * (a_to_b / static_cast<double>(a.size()) + b_to_a / static_cast<double>(b.size()));
  };
  RandomText random(14);
  for (int round = 0; round < 2000; ++round) {
    const bool ascii = round % 2 == 0;
    std::vector<std::string> a, b;
    for (std::size_t n = 1 + random() % 8; a.size() < n;) a.push_back(utf8(random.code_points(10, ascii)));
    for (std::size_t n = 1 + random() % 8; b.size() < n;) {
      // Some tokens of b repeat tokens of a, as in titles of the same paper.
      b.push_back(random() % 3 == 0 ? a[random() % a.size()] : utf8(random.code_points(10, ascii)));
    }
    if (round % 5 == 0) a.push_back(utf8(random.code_points(100, ascii)));  // a token longer than 64
    const Tokens a_views(a.begin(), a.end());
    const Tokens b_views(b.begin(), b.end());
    ASSERT_EQ(monge_elkan(a_views, b_views), reference(a, b)) << round;
    ASSERT_EQ(monge_elkan(b_views, a_views), monge_elkan(a_views, b_views)) << round;
  }
}

TEST(SimilarityTest, MongeElkan) {
  const Tokens sony_bravia{"sony", "bravia"};
  const Tokens sony{"sony"};
  EXPECT_DOUBLE_EQ(monge_elkan(sony_bravia, sony_bravia), 1.0);
  // sony_bravia -> sony: (1 + jw(bravia, sony)) / 2; sony -> sony_bravia: 1.
  const double expected = 0.5 * ((1.0 + jaro_winkler("bravia", "sony")) / 2.0 + 1.0);
  EXPECT_NEAR(monge_elkan(sony_bravia, sony), expected, 1e-12);
  EXPECT_DOUBLE_EQ(monge_elkan(sony_bravia, sony), monge_elkan(sony, sony_bravia));
  const Tokens reordered{"bravia", "sony"};
  EXPECT_DOUBLE_EQ(monge_elkan(sony_bravia, reordered), 1.0);  // order of tokens does not matter
}

TEST(SimilarityTest, MongeElkanEmpty) {
  const Tokens none;
  const Tokens some{"a"};
  EXPECT_DOUBLE_EQ(monge_elkan(none, none), 1.0);
  EXPECT_DOUBLE_EQ(monge_elkan(none, some), 0.0);
  EXPECT_DOUBLE_EQ(monge_elkan(some, none), 0.0);
}

TEST(SimilarityTest, JaccardAndIntersection) {
  const Ids a{1, 2, 3};
  const Ids b{2, 3, 4};
  const Ids none;
  EXPECT_EQ(intersection_size_sorted(a, b), 2u);
  EXPECT_DOUBLE_EQ(jaccard_sorted(a, b), 0.5);
  EXPECT_DOUBLE_EQ(jaccard_sorted(a, a), 1.0);
  EXPECT_DOUBLE_EQ(jaccard_sorted(none, none), 0.0);
  EXPECT_DOUBLE_EQ(jaccard_sorted(a, none), 0.0);
  EXPECT_EQ(intersection_size_sorted(none, a), 0u);
}

TEST(SimilarityTest, IntersectionOfSkewedLists) {
  Ids big;
  for (std::uint32_t id = 0; id < 1000; id += 2) big.push_back(id);
  const Ids small{3, 4, 500, 998, 999, 5000};
  EXPECT_EQ(intersection_size_sorted(small, big), 3u);  // 4, 500, 998
  EXPECT_EQ(intersection_size_sorted(big, small), 3u);
  EXPECT_NEAR(jaccard_sorted(small, big), 3.0 / (6.0 + 500.0 - 3.0), 1e-12);
}

TEST(SimilarityTest, ParseNumber) {
  EXPECT_EQ(parse_number("$1,299.00"), 1299.0);
  EXPECT_EQ(parse_number("1.5 kg"), 1.5);
  EXPECT_EQ(parse_number("-3"), -3.0);
  EXPECT_EQ(parse_number("-$3.50"), -3.5);
  EXPECT_EQ(parse_number("$-3"), -3.0);
  EXPECT_EQ(parse_number("\u20AC 49.99"), 49.99);       // € and a space
  EXPECT_EQ(parse_number("-\u00A3" "12"), -12.0);        // -£12
  EXPECT_EQ(parse_number("price: 1,234,567.5 USD"), 1234567.5);
  EXPECT_EQ(parse_number("1,5"), 1.0);                  // not a thousands separator
  EXPECT_EQ(parse_number("1,2345"), 1.0);
  EXPECT_EQ(parse_number("1234,567"), 1234.0);          // a first group has at most three digits
  EXPECT_EQ(parse_number("3, 4"), 3.0);
  EXPECT_EQ(parse_number("dmp-60"), 60.0);              // '-' after a letter is a joiner
  EXPECT_EQ(parse_number("33-1/3"), 33.0);
  EXPECT_EQ(parse_number("pack of 12."), 12.0);
  EXPECT_EQ(parse_number(" .5"), 0.5);
  EXPECT_EQ(parse_number("no.5"), 5.0);
  EXPECT_EQ(parse_number("007"), 7.0);
  EXPECT_EQ(parse_number("1.2.3"), 1.2);
}

TEST(SimilarityTest, ParseNumberWithoutNumber) {
  EXPECT_EQ(parse_number(""), std::nullopt);
  EXPECT_EQ(parse_number("n/a"), std::nullopt);
  EXPECT_EQ(parse_number("$-."), std::nullopt);
}

TEST(SimilarityTest, ParseNumberOutOfRange) {
  const std::string huge(400, '9');
  EXPECT_EQ(parse_number(huge), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_number("-" + huge), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_number("0." + std::string(400, '0') + "1"), 0.0);
}

TEST(SimilarityTest, RelativeDifference) {
  EXPECT_DOUBLE_EQ(relative_difference(100.0, 80.0), 0.2);
  EXPECT_DOUBLE_EQ(relative_difference(80.0, 100.0), 0.2);
  EXPECT_DOUBLE_EQ(relative_difference(0.0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(relative_difference(5.0, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(relative_difference(-2.0, -1.0), 0.5);
  EXPECT_DOUBLE_EQ(relative_difference(1.0, -1.0), 1.0);  // clamped from 2
  EXPECT_DOUBLE_EQ(relative_difference(std::nan(""), 1.0), 1.0);
  EXPECT_DOUBLE_EQ(relative_difference(std::numeric_limits<double>::infinity(), 1.0), 1.0);
}

// Numbers as the pair features see them: from word tokens of normalised text.
std::vector<std::string> numbers_of(const std::string& raw) {
  static std::string normalized;
  normalized = text::normalize(raw);
  std::vector<std::string_view> tokens, numbers;
  text::word_tokens(normalized, tokens);
  numbers_in_tokens(tokens, numbers);
  return {numbers.begin(), numbers.end()};
}

TEST(SimilarityTest, NumbersInTokens) {
  using Numbers = std::vector<std::string>;
  EXPECT_EQ(numbers_of("Apple Logic Express 7.2"), (Numbers{"7.2"}));
  EXPECT_EQ(numbers_of("Adobe Acrobat v8.0 Professional"), (Numbers{"8"}));
  EXPECT_EQ(numbers_of("Sony DMP-BD60, 007 edition, 7.20 and 0.50 kg"), (Numbers{"60", "7", "7.2", "0.5"}));
  EXPECT_EQ(numbers_of("win 98 me 2000 xp, windows 98"), (Numbers{"98", "2000"}));  // each number once
  EXPECT_EQ(numbers_of("000 and 10.0"), (Numbers{"0", "10"}));
  EXPECT_EQ(numbers_of("Straße ohne Zahl"), Numbers{});
  EXPECT_EQ(numbers_of(""), Numbers{});
}

TEST(SimilarityTest, UnmatchedNumbers) {
  const auto unmatched = [](const std::string& a, const std::string& b) {
    const auto left = numbers_of(a);
    const auto right = numbers_of(b);
    const std::vector<std::string_view> left_views(left.begin(), left.end()), right_views(right.begin(), right.end());
    return unmatched_numbers(left_views, right_views);
  };
  EXPECT_EQ(unmatched("logic express 6", "apple software t9164ll/a logic express 6"), 0u);
  EXPECT_EQ(unmatched("logic express 6", "apple logic express 7.2"), 1u);
  EXPECT_EQ(unmatched("acid pro 6 boxed", "acid pro 6 upgrade from acid pro 5"), 0u);
  EXPECT_EQ(unmatched("print shop 22 deluxe", "printshop 20 pro publisher"), 1u);
  EXPECT_EQ(unmatched("office 2007 v12", "office 2003 v11"), 2u);
  EXPECT_EQ(unmatched("quicken 2007", "quicken(r) premier 2007.0"), 0u);
  EXPECT_EQ(unmatched("no numbers here", "version 3"), 0u);  // nothing to disagree on
}

}  // namespace
}  // namespace matchmaker::features
