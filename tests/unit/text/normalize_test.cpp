#include "text/normalize.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace matchmaker::text {
namespace {

TEST(NormalizeTest, HeaderExample) {
  // U+2011 (non-breaking hyphen) in "Blu‑ray": NFKC makes it U+2010, which must still count as '-'.
  EXPECT_EQ(normalize("  Sony  DMP-BD60, Blu\u2011ray!"), "sony dmp-bd60 blu-ray");
  EXPECT_EQ(normalize("  Sony  DMP-BD60, Blu-ray!"), "sony dmp-bd60 blu-ray");  // ASCII fast path
}

TEST(NormalizeTest, CompatibilityForms) {
  EXPECT_EQ(normalize("\uFF26\uFF55\uFF4C\uFF4C\uFF57\uFF49\uFF44\uFF54\uFF48"), "fullwidth");  // Ｆｕｌｌｗｉｄｔｈ
  EXPECT_EQ(normalize("\uFB01le"), "file");                                                       // ligature ﬁ
  EXPECT_EQ(normalize("\uFF10\uFF12\uFF13"), "023");                                              // fullwidth digits
  EXPECT_EQ(normalize("x\u00B2"), "x2");                                                          // superscript two
  EXPECT_EQ(normalize("\u00BD"), "1/2");  // ½ -> 1 U+2044 2; the fraction slash is the joiner '/'
}

TEST(NormalizeTest, CaseFoldingAndAccents) {
  EXPECT_EQ(normalize("Stra\u00DFe"), "strasse");
  EXPECT_EQ(normalize("Caf\u00E9"), "cafe");    // precomposed é
  EXPECT_EQ(normalize("Cafe\u0301"), "cafe");   // e + combining acute
  EXPECT_EQ(normalize("M\u00DCLLER"), "muller");
  EXPECT_EQ(normalize("\u0130stanbul"), "istanbul");  // İ folds to i + combining dot, the dot is stripped
  EXPECT_EQ(normalize("\u03A3\u038A\u03A3\u03A5\u03A6\u039F\u03A3"), "\u03C3\u03B9\u03C3\u03C5\u03C6\u03BF\u03C3");
  EXPECT_EQ(normalize("\u041C\u043E\u0441\u043A\u0432\u0430"), "\u043C\u043E\u0441\u043A\u0432\u0430");  // Москва
}

TEST(NormalizeTest, NonLatinScriptsKeepTheirLetters) {
  EXPECT_EQ(normalize("\u6771\u4EAC\u90FD"), "\u6771\u4EAC\u90FD");             // 東京都
  EXPECT_EQ(normalize("\u6771\u4EAC\u3001\u5927\u962A"), "\u6771\u4EAC \u5927\u962A");  // ideographic comma separates
  // Half-width katakana ﾊﾞ -> バ (NFKC), whose voicing mark is then stripped like an accent: ハ.
  EXPECT_EQ(normalize("\uFF8A\uFF9E"), "\u30CF");
}

TEST(NormalizeTest, SeparatorRule) {
  EXPECT_EQ(normalize("a - b"), "a b");
  EXPECT_EQ(normalize("dmp-bd60"), "dmp-bd60");
  EXPECT_EQ(normalize("33-1/3 rpm"), "33-1/3 rpm");
  EXPECT_EQ(normalize("1.5 kg"), "1.5 kg");
  EXPECT_EQ(normalize("$1,299.00"), "1 299.00");  // documented: the comma separates
  EXPECT_EQ(normalize("O'Brien"), "o brien");
  EXPECT_EQ(normalize("U.S.A."), "u.s.a");
  EXPECT_EQ(normalize("a--b"), "a b");  // a joiner next to another joiner is not between letters/digits
  EXPECT_EQ(normalize("-3"), "3");
  EXPECT_EQ(normalize("www.example.com/path"), "www.example.com/path");
  EXPECT_EQ(normalize("tab\there\nnewline"), "tab here newline");
  EXPECT_EQ(normalize("a\u2013b \u2014 c"), "a-b c");  // en dash between letters joins, a free em dash separates
  EXPECT_EQ(normalize("\u22125"), "5");                // minus sign
}

TEST(NormalizeTest, EmptyAndSeparatorOnly) {
  EXPECT_EQ(normalize(""), "");
  EXPECT_EQ(normalize("   "), "");
  EXPECT_EQ(normalize("!!! ... ---"), "");
  EXPECT_EQ(normalize("\u00A0\u3000\u2014"), "");  // no-break space, ideographic space, em dash
}

TEST(NormalizeTest, DefaultIgnorablesAreRemoved) {
  EXPECT_EQ(normalize("Blu\u00ADray"), "bluray");  // soft hyphen
  EXPECT_EQ(normalize("ab\u200Bcd"), "abcd");      // zero-width space
}

TEST(NormalizeTest, InvalidBytesAreDropped) {
  EXPECT_EQ(normalize("ab\xFF" "cd"), "abcd");
  EXPECT_EQ(normalize("Caf\xC3\xA9\xFF"), "cafe");
  EXPECT_EQ(normalize("caf\xC3"), "caf");              // truncated sequence at the end
  EXPECT_EQ(normalize("\xC0\xAF" "x"), "x");           // overlong '/'
  EXPECT_EQ(normalize("\xED\xA0\x80" "x"), "x");       // surrogate
}

TEST(NormalizeTest, Idempotent) {
  for (const char* raw : {"  Sony  DMP-BD60, Blu\u2011ray!", "Stra\u00DFe", "$1,299.00", "U.S.A.", "\u00BD",
                          "\u6771\u4EAC\u3001\u5927\u962A", "a - b -- c//d", "\uFF26\uFF55\uFF4C\uFF4C"}) {
    const std::string once = normalize(raw);
    EXPECT_EQ(normalize(once), once) << raw;
  }
}

// The ASCII fast path must give exactly what utf8proc gives. Appending "é" (which normalises to "e") forces the
// utf8proc path, so normalize(s + "é") must equal normalize(s + "e") for any ASCII s.
TEST(NormalizeTest, AsciiFastPathMatchesUnicodePath) {
  std::mt19937 rng(42);
  const std::string alphabet = "aZ09-/. ,'!$\t\x01\x7F";
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int len = static_cast<int>(rng() % 10);
    for (int k = 0; k < len; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
    ASSERT_EQ(normalize(s + "\u00E9"), normalize(s + "e")) << '"' << s << '"';
  }
  for (int c = 0; c < 128; ++c) {
    const std::string s = std::string("x") + static_cast<char>(c) + "y";
    ASSERT_EQ(normalize(s + "\u00E9"), normalize(s + "e")) << "byte " << c;
  }
}

TEST(NormalizeTest, IsValidUtf8AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii text, longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("M\u00FCller"));
  EXPECT_TRUE(is_valid_utf8("\u6771\u4EAC"));
  EXPECT_TRUE(is_valid_utf8("\U0001F600"));         // 4-byte sequence
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF, the last code point
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBD"));       // U+FFFD
  EXPECT_TRUE(is_valid_utf8("0123456789abcdef\u00E9 0123456789abcdef"));
}

TEST(NormalizeTest, IsValidUtf8RejectsMalformedText) {
  EXPECT_FALSE(is_valid_utf8("\xC3"));                 // truncated 2-byte
  EXPECT_FALSE(is_valid_utf8("\xE6\x9D"));             // truncated 3-byte
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));         // truncated 4-byte
  EXPECT_FALSE(is_valid_utf8("\xC3" "A"));             // continuation missing mid-text
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));             // overlong '/' (2 bytes)
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));             // overlong (2 bytes)
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));         // overlong '/' (3 bytes)
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));     // overlong '/' (4 bytes)
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));         // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));     // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));                 // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("0123456789abcdefghij\xFF"));  // after a long ASCII run (word-at-a-time scan)
  EXPECT_FALSE(is_valid_utf8("\u00E9 0123456789abcdefghij\xE6\x9D"));
}

}  // namespace
}  // namespace matchmaker::text
