#include "text/strings.h"

#include <gtest/gtest.h>

namespace matchmaker::text {
namespace {

TEST(StringsTest, TrimStripsTheGivenCharactersAtBothEndsOnly) {
  EXPECT_EQ(trim("\t a b \r\n"), "a b");
  EXPECT_EQ(trim(" \f\v "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" a\r", " \t"), "a\r");  // readers of tab-separated lines strip blanks only
  EXPECT_EQ(trim("caf\xC3\xA9 "), "caf\xC3\xA9");
}

TEST(StringsTest, AsciiLowercaseLeavesOtherBytesAlone) {
  EXPECT_EQ(ascii_lowercase("Label"), "label");
  EXPECT_EQ(ascii_lowercase("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // "ÉTÉ": UTF-8 untouched
}

TEST(StringsTest, ExtensionsAreComparedWhateverTheirCase) {
  EXPECT_EQ(lower_extension("data/Mentions.CONCEPT"), ".concept");
  EXPECT_EQ(lower_extension("dictionary.Obo"), ".obo");
  EXPECT_EQ(lower_extension("dir.d/names"), "");
  EXPECT_EQ(lower_extension("archive.tar.GZ"), ".gz");
}

}  // namespace
}  // namespace matchmaker::text
