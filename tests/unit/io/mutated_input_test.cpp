// Every reader of user files, fed thousands of damaged variants of valid real-shaped input: each
// variant is either read or refused with an InputError that names the file. Any other exception, a
// crash or a sanitizer report (the ASan/UBSan build runs these too) is a defect.
#include <gtest/gtest.h>

#include <string>

#include "io/dictionary_reader.h"
#include "io/kg_reader.h"
#include "io/mention_reader.h"
#include "io/table_reader.h"
#include "unit/mutated_input.h"

namespace matchmaker::io {
namespace {

using testing::read_file;
using testing::TempDir;

using matchmaker::testing::expect_read_or_refused;

const std::string kCsv =
    "\xEF\xBB\xBFid,title,brand,price,description\r\n"
    "1,\"Canon EOS 5D, Mark II\",Canon,1999.00,\"Full-frame \"\"pro\"\" body\nwith two lines\"\r\n"
    "2,Nikon D90,,899,\r\n"
    "3,Caf\xC3\xA9 cr\xC3\xA8me \xE2\x80\x94 espresso,D\xC3\xA9Longhi,129.5,\"\"\r\n"
    "4,\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E,Sony,,\"ok\"\r\n"
    "5,Nikon D90,Nikon,899.99,duplicate title\r\n";

TEST(MutatedInput, TableReaderCsvTsvJsonl) {
  TempDir dir;
  const auto read_as = [](TableFormat format) {
    return [format](const std::string& path) {
      TableReadOptions options;
      options.path = path;
      options.format = format;
      read_table(options);
    };
  };
  expect_read_or_refused(dir, "table.csv", kCsv, read_as(TableFormat::kCsv));
  expect_read_or_refused(dir, "table.tsv",
                         "id\ttitle\tprice\n1\tCanon EOS\t1999\n2\t\"quoted\ttab\"\t\n3\tCaf\xC3\xA9\t12.5\n",
                         read_as(TableFormat::kTsv));
  expect_read_or_refused(dir, "table.jsonl",
                         "{\"id\": 1, \"title\": \"Canon \\\"EOS\\\"\", \"price\": 1999.0}\n"
                         "{\"id\": \"2\", \"title\": \"Caf\\u00e9\", \"tags\": [\"a\", {\"b\": null}]}\n\n"
                         "{\"id\": 3, \"title\": null, \"in_stock\": true}\n",
                         read_as(TableFormat::kJsonl));
  // Gold files and link lists: ids may repeat.
  expect_read_or_refused(dir, "gold.csv", "left,right\r\n1,a\r\n1,b\r\n\"2\",\"c,d\"\r\n", [](const std::string& path) {
    TableReadOptions options;
    options.path = path;
    options.id_column = "";
    options.unique_ids = false;
    read_table(options);
  });
}

TEST(MutatedInput, DictionaryAndMentionReaders) {
  TempDir dir;
  const std::string data = std::string(MATCHMAKER_TEST_DATA_DIR) + "/el/";
  for (const char* name : {"dictionary.txt", "dictionary.tsv", "ontology.obo", "concepts.json"}) {
    expect_read_or_refused(dir, name, read_file(data + name), [](const std::string& path) { read_dictionary(path); });
  }
  for (const char* name : {"mentions.concept", "mentions.csv", "fold.test.txt"}) {
    expect_read_or_refused(dir, name, read_file(data + name), [](const std::string& path) { read_mentions(path); });
  }
}

TEST(MutatedInput, KnowledgeGraphReaders) {
  TempDir dir;
  const std::string data = std::string(MATCHMAKER_TEST_DATA_DIR) + "/ea/";
  // The DBP15K reader takes the folder: one file at a time is damaged, the others are the valid ones.
  for (const char* name : {"ent_ids_1", "triples_1"}) {
    for (const char* file : {"ent_ids_1", "ent_ids_2", "triples_1", "triples_2", "ref_ent_ids"})
      dir.write(file, read_file(data + file));
    expect_read_or_refused(dir, name, read_file(data + name),
                           [&](const std::string&) { read_knowledge_graph(dir.path().string(), 1); }, 400,
                           /*whole_folder=*/true);
  }
  expect_read_or_refused(dir, "graph.nt",
                         "<http://a.org/x> <http://a.org/knows> <http://a.org/y> .\n"
                         "<http://a.org/x> <http://www.w3.org/2000/01/rdf-schema#label> \"Caf\\u00e9 \\\"noir\\\"\"@fr .\n"
                         "_:b0 <http://a.org/knows> <http://a.org/x> .\n",
                         [](const std::string& path) { read_knowledge_graph(path, 1); });
}

}  // namespace
}  // namespace matchmaker::io
