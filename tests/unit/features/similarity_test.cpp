#include "features/similarity.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace matchmaker::features
