#include "text/tokenize.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "text/normalize.h"

namespace matchmaker::text {
namespace {

using Views = std::vector<std::string_view>;
using Strings = std::vector<std::string>;

Views words(std::string_view text) {
  Views out;
  word_tokens(text, out);
  return out;
}

Strings codes(std::string_view text) {
  Strings out;
  model_codes(text, out);
  return out;
}

Views qgrams(std::string_view text, int q, std::string& padded) {
  Views out;
  char_qgrams(text, q, padded, out);
  return out;
}

TEST(TokenizeTest, WordTokensHeaderExample) {
  EXPECT_EQ(words("sony dmp-bd60 blu-ray 1.5 kg"), (Views{"sony", "dmp", "bd60", "blu", "ray", "1.5", "kg"}));
}

TEST(TokenizeTest, WordTokensKeepNumbersWhole) {
  EXPECT_EQ(words("33-1/3 rpm"), (Views{"33-1/3", "rpm"}));
  EXPECT_EQ(words("v1.5b a/b 1/x"), (Views{"v1.5b", "a", "b", "1", "x"}));
  EXPECT_EQ(words("www.example.com"), (Views{"www", "example", "com"}));
}

TEST(TokenizeTest, WordTokensEdgeCases) {
  EXPECT_EQ(words(""), Views{});
  EXPECT_EQ(words("   "), Views{});
  EXPECT_EQ(words("-.-"), Views{});
  EXPECT_EQ(words("  a  b "), (Views{"a", "b"}));
  EXPECT_EQ(words("a--b -c d-"), (Views{"a", "b", "c", "d"}));
  EXPECT_EQ(words("m\u00FCller \u6771\u4EAC-\u90FD"), (Views{"m\u00FCller", "\u6771\u4EAC", "\u90FD"}));
}

TEST(TokenizeTest, WordTokensPointIntoInputAndClearOutput) {
  const std::string text = "alpha beta";
  Views out{"stale"};
  word_tokens(text, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data(), text.data());
  EXPECT_EQ(out[1].data(), text.data() + 6);
}

TEST(TokenizeTest, ModelCodesFromNormalizedTitles) {
  EXPECT_EQ(codes(normalize("Linksys EtherFast EZXS55W Ethernet Switch")), Strings{"ezxs55w"});
  // The chunk "dmp-bd60" gives "dmpbd60"; its word token "bd60" is itself a 4-character code (header contract).
  EXPECT_EQ(codes(normalize("DMP-BD60")), (Strings{"dmpbd60", "bd60"}));
  EXPECT_EQ(codes(normalize("Sony-DMPBD60 player")), (Strings{"sonydmpbd60", "dmpbd60"}));
}

TEST(TokenizeTest, ModelCodesRejectNumbersWordsAndShortMixes) {
  EXPECT_EQ(codes("33-1/3"), Strings{});  // no letter
  EXPECT_EQ(codes("2007"), Strings{});    // pure number
  EXPECT_EQ(codes("mp3"), Strings{});     // too short
  EXPECT_EQ(codes("4k tv"), Strings{});
  EXPECT_EQ(codes("ethernet switch"), Strings{});  // no digit
  EXPECT_EQ(codes(""), Strings{});
  EXPECT_EQ(codes("a-b-1"), Strings{});  // "ab1" is 3 characters once the joiners are gone
}

TEST(TokenizeTest, ModelCodesDeduplicateInOrder) {
  EXPECT_EQ(codes("x200 abc1 x200 x-200"), (Strings{"x200", "abc1"}));
  Strings out{"stale"};
  model_codes("kx-t7731", out);
  EXPECT_EQ(out, (Strings{"kxt7731", "t7731"}));
}

TEST(TokenizeTest, ModelCodesCountCodePoints) {
  EXPECT_EQ(codes("\u00FC12"), Strings{});  // 3 code points although 4 bytes
  EXPECT_EQ(codes("\u00FC123"), Strings{"\u00FC123"});
}

TEST(TokenizeTest, CharQgramsAscii) {
  std::string padded;
  EXPECT_EQ(qgrams("abc", 3, padded), (Views{" ab", "abc", "bc "}));
  EXPECT_EQ(padded, " abc ");
  EXPECT_EQ(qgrams("abc", 2, padded), (Views{" a", "ab", "bc", "c "}));
  EXPECT_EQ(qgrams("ab", 1, padded), (Views{" ", "a", "b", " "}));
}

TEST(TokenizeTest, CharQgramsShortText) {
  std::string padded;
  EXPECT_EQ(qgrams("a", 3, padded), Views{" a "});  // exactly q code points: one gram
  EXPECT_EQ(qgrams("a", 5, padded), Views{" a "});  // shorter than q: the padded text itself
  EXPECT_EQ(qgrams("", 3, padded), Views{});  // no content, no gram (empty records shared one)
}

TEST(TokenizeTest, CharQgramsNonAscii) {
  std::string padded;
  EXPECT_EQ(qgrams("\u6771\u4EAC", 2, padded), (Views{" \u6771", "\u6771\u4EAC", "\u4EAC "}));
  EXPECT_EQ(qgrams("\u00E9", 3, padded), Views{" \u00E9 "});
  EXPECT_EQ(qgrams("m\u00FCl", 3, padded), (Views{" m\u00FC", "m\u00FCl", "\u00FCl "}));
}

TEST(TokenizeTest, CharQgramsPointIntoPadded) {
  std::string padded;
  Views out{"stale"};
  char_qgrams("hello world", 3, padded, out);
  ASSERT_EQ(out.size(), 11u);  // 13 padded characters - 3 + 1
  for (std::size_t k = 0; k < out.size(); ++k) {
    EXPECT_EQ(out[k].data(), padded.data() + k);
    EXPECT_EQ(out[k].size(), 3u);
  }
}

}  // namespace
}  // namespace matchmaker::text
