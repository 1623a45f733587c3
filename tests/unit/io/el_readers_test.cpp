// Entity-linking loaders: dictionaries (BioSyn, AskAPatient JSON, table, OBO) and mentions (BioSyn,
// AskAPatient folds, table), on the shipped files and on bad input written per test.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "io/dictionary_reader.h"
#include "io/mention_reader.h"
#include "matchmaker/error.h"
#include "text/normalize.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::io {
namespace {

using testing::TempDir;

const std::string kData = std::string(MATCHMAKER_TEST_DATA_DIR) + "/el/";

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no InputError thrown";
  return "";
}

std::vector<std::string> names_of(const Dictionary& dictionary, std::size_t concept_row) {
  return {dictionary.names.begin() + static_cast<std::ptrdiff_t>(dictionary.concept_offsets[concept_row]),
          dictionary.names.begin() + static_cast<std::ptrdiff_t>(dictionary.concept_offsets[concept_row + 1])};
}

TEST(DictionaryReader, BioSynGroupsSynonymLinesByConcept) {
  const Dictionary dictionary = read_dictionary(kData + "dictionary.txt");
  EXPECT_EQ(dictionary.num_concepts(), 13u);
  EXPECT_EQ(dictionary.num_names(), 36u);
  EXPECT_EQ(dictionary.concept_ids[0], "D001260");
  EXPECT_EQ(names_of(dictionary, 0), (std::vector<std::string>{"ataxia telangiectasia", "louis bar syndrome",
                                                                 "ataxia telangiectasia syndrome"}));
  // An id with alternatives stays one concept, written as in the file.
  EXPECT_EQ(dictionary.concept_ids[8], "D006432|235200");
  EXPECT_EQ(dictionary.name_concept[dictionary.concept_offsets[8]], 8u);
}

TEST(DictionaryReader, TableMergesRowsOfOneIdAndSkipsEmptySynonymCells) {
  const Dictionary dictionary = read_dictionary(kData + "dictionary.tsv");
  ASSERT_EQ(dictionary.num_concepts(), 2u);
  EXPECT_EQ(names_of(dictionary, 0), (std::vector<std::string>{"Headache", "Cephalalgia", "Head pain", "Sore head"}));
  EXPECT_EQ(names_of(dictionary, 1), (std::vector<std::string>{"Nausea"}));
}

// Columns are found by name: "name,id" swapped ids and names when they were taken by place.
TEST(DictionaryReader, TableColumnsByNameInAnyOrder) {
  TempDir dir;
  const Dictionary dictionary = read_dictionary(dir.write("d.csv", "Synonym,Name,ID\nHead pain,Headache,C1\n,Nausea,C2\n"));
  ASSERT_EQ(dictionary.num_concepts(), 2u);
  EXPECT_EQ(dictionary.concept_ids[0], "C1");
  EXPECT_EQ(names_of(dictionary, 0), (std::vector<std::string>{"Headache", "Head pain"}));
  EXPECT_EQ(names_of(dictionary, 1), (std::vector<std::string>{"Nausea"}));
}

TEST(DictionaryReader, OboReadsTermsSynonymsAndLeavesOutObsoleteOnes) {
  const Dictionary dictionary = read_dictionary(kData + "ontology.obo");
  ASSERT_EQ(dictionary.num_concepts(), 1u);
  EXPECT_EQ(dictionary.concept_ids[0], "DOID:1612");
  EXPECT_EQ(names_of(dictionary, 0), (std::vector<std::string>{"breast cancer", "mammary cancer", "breast \"malignant\" tumor"}));
  EXPECT_EQ(dictionary.skipped_obsolete, 1u);
}

TEST(DictionaryReader, AskAPatientConceptList) {
  const Dictionary dictionary = read_dictionary(kData + "concepts.json");
  ASSERT_EQ(dictionary.num_concepts(), 2u);
  EXPECT_EQ(dictionary.concept_ids[1], "2046");
  EXPECT_EQ(names_of(dictionary, 1), (std::vector<std::string>{"Nausea"}));
}

TEST(DictionaryReader, BadInputNamesFileAndLine) {
  TempDir dir;
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("a.txt", "D1||one\nD2 two\n")); }),
            dir.file("a.txt") + ":2: expected ID||NAME, found no '||'");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("b.txt", "D1||one\n||two\n")); }),
            dir.file("b.txt") + ":2: empty concept id before '||'");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("c.txt", "D1||\n")); }), dir.file("c.txt") + ":1: empty name after '||'");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("d.txt", "D1||a||b\n")); }),
            dir.file("d.txt") + ":1: expected ID||NAME, found more than one '||'");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("e.txt", "D1||caf\xC3\n")); }), dir.file("e.txt") + ":1: invalid UTF-8" + text::kReencodeHint);
  EXPECT_EQ(error_of([&] { read_dictionary(dir.file("missing.txt")); }), dir.file("missing.txt") + ": no such file");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("f.txt", "\n\n")); }),
            dir.file("f.txt") + ": cannot tell the dictionary format from the name or the first line; name it with "
                                "--dictionary-format biosyn|askapatient|table|obo");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("g.obo", "[Term]\nname: x\n")); }), dir.file("g.obo") + ":1: [Term] without an id: line");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("h.obo", "[Term]\nid: A:1\nsynonym: \"open EXACT []\n")); }),
            dir.file("h.obo") + ":3: synonym: the quoted text has no closing '\"'");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("i.obo", "[Term]\nid: A:1\nname: a\n[Term]\nid: A:1\nname: b\n")); }),
            dir.file("i.obo") + ":4: duplicate term id A:1");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("j.obo", "[Term]\nid: A:1\n")); }), dir.file("j.obo") + ":1: term A:1 has no name: line");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("k.json", "[1, 2]")); }),
            dir.file("k.json") + ": expected a JSON object {\"ID\": [[\"primary\", \"NAME\"], ...]}");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("l.json", "{\"1\": [[\"primary\"]]}")); }),
            dir.file("l.json") + ": concept \"1\": expected [TYPE, NAME] pairs, found [\"primary\"]");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("m.csv", "id,name\nC1,\n")); }), dir.file("m.csv") + ":2: empty name in column name");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("n.csv", "id\nC1\n")); }),
            dir.file("n.csv") + ":1: expected a header with columns id and name (others are synonyms), found 'id'; a "
                                "file without a header would lose its first concept");
  // No header: the first concept would have been taken for one (and lost).
  EXPECT_NE(error_of([&] { read_dictionary(dir.write("p.csv", "C1,Dizziness\nC2,Nausea\n")); }).find(":1: expected a header"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("q.json", R"({"1036": [["primary", "Dizziness"]], "1036": [["primary", "Nausea"]]})")); }),
            dir.file("q.json") + ": concept \"1036\" is given twice");
  EXPECT_EQ(error_of([&] { read_dictionary(dir.write("o.txt", "")); }),
            dir.file("o.txt") + ": cannot tell the dictionary format from the name or the first line; name it with "
                                "--dictionary-format biosyn|askapatient|table|obo");
  EXPECT_EQ(error_of([] { parse_dictionary_format("xml"); }), "unknown dictionary format 'xml' (valid: auto, biosyn, askapatient, table, obo)");
}

TEST(ConceptIds, CompositeAndAlternativeIdsSplitAlike) {
  EXPECT_EQ(split_concept_ids("D001943|D010051"), (std::vector<std::string_view>{"D001943", "D010051"}));
  EXPECT_EQ(split_concept_ids("D001943+D010051"), (std::vector<std::string_view>{"D001943", "D010051"}));
  EXPECT_EQ(split_concept_ids("a|b+c"), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(split_concept_ids(" a || "), (std::vector<std::string_view>{"a"}));
  EXPECT_TRUE(split_concept_ids("").empty());
}

TEST(MentionReader, BioSynSplitsCompositeMentionsIntoParts) {
  const MentionSet mentions = read_mentions(kData + "mentions.concept");
  EXPECT_EQ(mentions.num_source_mentions, 9u);
  ASSERT_EQ(mentions.table.num_rows(), 11u);
  EXPECT_EQ(mentions.table.columns(), (std::vector<std::string>{"id", "mention"}));
  EXPECT_EQ(mentions.table.id(0), "100:0-21");
  EXPECT_EQ(mentions.table.cell(0, 1), "ataxia telangiectasia");
  EXPECT_EQ(mentions.gold[0], "D001260");
  // "breast cancer|ovarian cancer": two parts of mention 4, each carrying the composite's gold ids.
  EXPECT_EQ(mentions.table.id(4), "101:40-70#1");
  EXPECT_EQ(mentions.table.id(5), "101:40-70#2");
  EXPECT_EQ(mentions.table.cell(5, 1), "ovarian cancer");
  EXPECT_EQ(mentions.gold[5], "D001943|D010051");
  EXPECT_EQ(mentions.source_mention[4], 4u);
  EXPECT_EQ(mentions.source_mention[5], 4u);
  // "a+b" splits like "a|b".
  EXPECT_EQ(mentions.table.cell(6, 1), "breast tumours");
  EXPECT_EQ(mentions.table.cell(7, 1), "ovarian tumours");
  EXPECT_EQ(mentions.gold[7], "D001943+D010051");
  EXPECT_EQ(mentions.source_mention[8], 6u);
}

TEST(MentionReader, AskAPatientFoldAndTable) {
  const MentionSet fold = read_mentions(kData + "fold.test.txt");
  ASSERT_EQ(fold.table.num_rows(), 2u);
  EXPECT_EQ(fold.table.id(1), "2");
  EXPECT_EQ(fold.table.cell(1, 1), "felt sick");
  EXPECT_EQ(fold.gold[1], "2046");
  const MentionSet table = read_mentions(kData + "mentions.csv");
  ASSERT_EQ(table.table.num_rows(), 3u);
  EXPECT_EQ(table.table.columns(), (std::vector<std::string>{"id", "mention", "context"}));
  EXPECT_EQ(table.table.id(2), "m3");
  EXPECT_TRUE(table.gold[2].empty());
}

TEST(MentionReader, BadInputNamesFileLineAndField) {
  TempDir dir;
  EXPECT_EQ(error_of([&] { read_mentions(dir.write("a.concept", "1||0|3||T||abc||D1\n1||0|3||T||abc\n")); }),
            dir.file("a.concept") + ":2: expected 5 fields DOC||START|END||TYPE||MENTION||CUI, found 4");
  EXPECT_EQ(error_of([&] { read_mentions(dir.write("b.concept", "1||03||T||abc||D1\n")); }),
            dir.file("b.concept") + ":1: field 2 (span): expected START|END, found '03'");
  EXPECT_EQ(error_of([&] { read_mentions(dir.write("c.concept", "1||0|3||T|| ||D1\n")); }),
            dir.file("c.concept") + ":1: field 4 (mention) is empty");
  EXPECT_EQ(error_of([&] { read_mentions(dir.write("d.concept", "1||0|3||T||abc||\n")); }),
            dir.file("d.concept") + ":1: field 5 (CUI) is empty; write -1 for none");
  EXPECT_EQ(error_of([&] { read_mentions(dir.write("e.txt", "1\tDizzy\tdizzy\n2\tNausea\n"), MentionFormat::kAskAPatient); }),
            dir.file("e.txt") + ":2: expected 3 tab-separated fields CONCEPT_ID, CONCEPT_NAME, PHRASE, found 2");
  EXPECT_EQ(error_of([&] { read_mentions(dir.write("f.csv", "id,text\n1,a\n")); }),
            dir.file("f.csv") + ":1: missing column 'mention' (expected id,mention[,context])");
  EXPECT_EQ(error_of([&] { read_mentions(dir.write("g.csv", "id,mention\n1,a\n2,\n")); }),
            dir.file("g.csv") + ":3: empty value in column 'mention'");
  EXPECT_NE(error_of([&] { read_mentions(dir.write("h.csv", "id,mention\n1,a\n1,b\n")); }).find("duplicate"), std::string::npos);
  EXPECT_EQ(error_of([&] { read_mentions(dir.write("i.concept", "")); }), dir.file("i.concept") + ": no mention found");
  EXPECT_EQ(error_of([&] { read_mentions(dir.file("none.concept")); }), dir.file("none.concept") + ": no such file");
  EXPECT_EQ(error_of([] { parse_mention_format("xml"); }), "unknown mention format 'xml' (valid: auto, biosyn, askapatient, table)");
}

TEST(MentionReader, SameSpanTwiceKeepsBothWithDistinctIds) {
  TempDir dir;
  const MentionSet mentions = read_mentions(dir.write("a.concept", "1||0|3||T||abc||D1\n1||0|3||T||abc||D1\n"));
  ASSERT_EQ(mentions.table.num_rows(), 2u);
  EXPECT_EQ(mentions.table.id(0), "1:0-3");
  EXPECT_EQ(mentions.table.id(1), "1:0-3@a.concept:2");
  // Across the files of a directory too ("@LINE" alone gave two mentions one id).
  std::filesystem::create_directory(dir.path() / "docs");
  for (const char* name : {"docs/x.concept", "docs/y.concept", "docs/z.concept"}) {
    dir.write(name, "1||0|3||T||abc||D1\n1||0|3||T||abc||D1\n");
  }
  const MentionSet many = read_mentions(dir.file("docs"));
  ASSERT_EQ(many.table.num_rows(), 6u);
  std::set<std::string> ids;
  for (std::size_t row = 0; row < many.table.num_rows(); ++row) ids.emplace(many.table.id(row));
  EXPECT_EQ(ids.size(), 6u);
}

}  // namespace
}  // namespace matchmaker::io
