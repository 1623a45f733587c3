#include "io/kg_reader.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <tuple>

#include "matchmaker/error.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::io {
namespace {

using testing::TempDir;

// The InputError message of `action`, or "" (with a test failure) if it does not throw one.
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

void write_dbp15k(const TempDir& dir) {
  dir.write("ent_ids_1", "0\thttp://fr.dbpedia.org/resource/Caf%C3%A9_Noir\n1\thttp://fr.dbpedia.org/resource/Paris\n");
  dir.write("ent_ids_2", "10\thttp://dbpedia.org/resource/Black_Cafe\r\n11\thttp://dbpedia.org/resource/Paris\r\n");
  dir.write("triples_1", "0\t5\t1\n");
  dir.write("triples_2", "10\t7\t11\n11\t7\t11\n");
  dir.write("ref_ent_ids", "0\t10\n1\t11\n");
}

TEST(KgReader, ReadsTheDbp15kLayoutWithDecodedLocalNames) {
  TempDir dir;
  write_dbp15k(dir);
  const std::string path = dir.path().string();
  EXPECT_EQ(detect_kg_layout(path), KgLayout::kDbp15k);
  const graph::KnowledgeGraph left = read_knowledge_graph(path, 1);
  const graph::KnowledgeGraph right = read_knowledge_graph(path, 2);
  ASSERT_EQ(left.num_entities(), 2u);
  EXPECT_EQ(left.entity_id(0), "0");
  EXPECT_EQ(left.entity_name(0), "Café Noir");
  EXPECT_EQ(right.entity_name(0), "Black Cafe");  // CRLF stripped
  ASSERT_EQ(left.triples().size(), 1u);
  EXPECT_EQ(left.triples()[0].head, 0u);
  EXPECT_EQ(left.triples()[0].tail, 1u);
  EXPECT_EQ(right.triples().size(), 2u);
  const auto links = read_entity_links(find_links_file(path), left, right);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[1], std::make_pair(1u, 1u));
}

TEST(KgReader, RepeatedTriplesCountOnceInTheirFirstPlace) {
  TempDir dir;
  write_dbp15k(dir);
  dir.write("triples_1", "0\t5\t1\n1\t5\t0\n0\t5\t1\n0\t6\t1\n0\t5\t1\n1\t5\t0\n");
  const graph::KnowledgeGraph left = read_knowledge_graph(dir.path().string(), 1);
  ASSERT_EQ(left.triples().size(), 3u);
  const auto as_tuple = [](const graph::RelationTriple& triple) { return std::make_tuple(triple.head, triple.relation, triple.tail); };
  EXPECT_EQ(as_tuple(left.triples()[0]), std::make_tuple(0u, 0u, 1u));
  EXPECT_EQ(as_tuple(left.triples()[1]), std::make_tuple(1u, 0u, 0u));
  EXPECT_EQ(left.triples()[2].tail, 1u);
  EXPECT_NE(left.triples()[2].relation, left.triples()[0].relation);
}

TEST(KgReader, RelationIdsMustBeListedWhenRelIdsExists) {
  TempDir dir;
  write_dbp15k(dir);
  dir.write("rel_ids_1", "5\thttp://dbpedia.org/ontology/capital\n");
  const graph::KnowledgeGraph left = read_knowledge_graph(dir.path().string(), 1);
  EXPECT_EQ(left.relation_name(0), "http://dbpedia.org/ontology/capital");
  dir.write("triples_1", "0\t5\t1\n0\t6\t1\n");
  const std::string message = error_of([&] { read_knowledge_graph(dir.path().string(), 1); });
  EXPECT_NE(message.find("triples_1:2: relation id '6' is not in"), std::string::npos) << message;
}

TEST(KgReader, Dbp15kBadInputNamesFileLineAndField) {
  TempDir dir;
  write_dbp15k(dir);
  const std::string path = dir.path().string();
  dir.write("ent_ids_1", "0\thttp://a/A\n1 http://a/B\n");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 1); })
                .find("ent_ids_1:2: expected 2 tab-separated fields (entity id, URI), found 1"),
            std::string::npos);
  dir.write("ent_ids_1", "0\thttp://a/A\nx\thttp://a/B\n");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 1); }).find("ent_ids_1:2: entity id 'x' is not a number"),
            std::string::npos);
  dir.write("ent_ids_1", "0\thttp://a/A\n0\thttp://a/B\n");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 1); }).find("ent_ids_1:2: duplicate entity id '0'"),
            std::string::npos);
  dir.write("ent_ids_1", "0\thttp://a/A\n1\thttp://a/B\n");
  dir.write("triples_1", "0\t5\t1\n0\t5\t9\n");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 1); }).find("triples_1:2: tail id '9' is not in"),
            std::string::npos);
  dir.write("triples_1", "0\t5\n");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 1); }).find("triples_1:1: expected 3 tab-separated fields"),
            std::string::npos);
  dir.write("triples_1", "0\t5\t1\n");
  dir.write("ent_ids_1", "0\thttp://a/\xff\n");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 1); }).find("ent_ids_1:1: invalid UTF-8"), std::string::npos);
  dir.write("ent_ids_1", "");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 1); }).find("ent_ids_1: no entities"), std::string::npos);
  std::filesystem::remove(dir.file("triples_2"));
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 2); }).find("triples_2: cannot open file"), std::string::npos);
}

TEST(KgReader, LinksNameTheLineOfAnUnknownId) {
  TempDir dir;
  write_dbp15k(dir);
  const std::string path = dir.path().string();
  const graph::KnowledgeGraph left = read_knowledge_graph(path, 1);
  const graph::KnowledgeGraph right = read_knowledge_graph(path, 2);
  dir.write("links.tsv", "0\t10\n\n1\t12\n");
  EXPECT_NE(error_of([&] { read_entity_links(dir.file("links.tsv"), left, right); })
                .find("links.tsv:3: right id '12' is not an entity of"),
            std::string::npos);
  dir.write("links.csv", "left_id,right_id\n1,11\n0\n");
  EXPECT_NE(error_of([&] { read_entity_links(dir.file("links.csv"), left, right); })
                .find("links.csv:3: expected 2 comma-separated fields"),
            std::string::npos);
  dir.write("links.csv", "left_id,right_id\n1,11\n");
  EXPECT_EQ(read_entity_links(dir.file("links.csv"), left, right).size(), 1u);
  // A left entity linked twice contradicted itself silently; an empty file was read as no links.
  dir.write("twice.tsv", "0\t10\n1\t11\n0\t11\n");
  EXPECT_NE(error_of([&] { read_entity_links(dir.file("twice.tsv"), left, right); })
                .find("twice.tsv:3: left id '0' is linked again (first on line 1)"),
            std::string::npos);
  dir.write("empty.tsv", "\n");
  EXPECT_NE(error_of([&] { read_entity_links(dir.file("empty.tsv"), left, right); }).find("no links in the file"),
            std::string::npos);
}

TEST(KgReader, ReadsTheOpenEaLayoutWithLabelsAndAttributes) {
  TempDir dir;
  dir.write("rel_triples_1", "http://d/A\thttp://d/r\thttp://d/B\n");
  dir.write("rel_triples_2", "http://w/Q1\thttp://w/P1\thttp://w/Q2\n");
  dir.write("attr_triples_1", "http://d/A\thttp://d/born\t1900\n");
  dir.write("attr_triples_2", "http://w/Q1\thttp://www.w3.org/2000/01/rdf-schema#label\tAlpha Beta\n");
  dir.write("ent_links", "http://d/A\thttp://w/Q1\n");
  const std::string path = dir.path().string();
  EXPECT_EQ(detect_kg_layout(path), KgLayout::kOpenEa);
  const graph::KnowledgeGraph left = read_knowledge_graph(path, 1);
  const graph::KnowledgeGraph right = read_knowledge_graph(path, 2);
  EXPECT_EQ(left.num_entities(), 2u);
  EXPECT_EQ(left.entity_id(0), "http://d/A");
  EXPECT_EQ(left.entity_name(0), "A");
  ASSERT_EQ(left.attributes().size(), 1u);
  EXPECT_EQ(left.attribute_value(left.attributes()[0]), "1900");
  EXPECT_EQ(right.entity_name(0), "Alpha Beta");
  EXPECT_EQ(right.entity_name(1), "Q2");
  EXPECT_EQ(read_entity_links(find_links_file(path), left, right).size(), 1u);

  dir.write("attr_triples_1", "http://d/A\thttp://d/born\n");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 1); })
                .find("attr_triples_1:1: expected 3 tab-separated fields (entity URI, attribute URI, value), found 2"),
            std::string::npos);
  dir.write("rel_triples_2", "http://w/Q1\thttp://w/P1\n");
  EXPECT_NE(error_of([&] { read_knowledge_graph(path, 2); }).find("rel_triples_2:1: expected 3 tab-separated fields"),
            std::string::npos);
}

TEST(KgReader, ReadsNTriplesWithLabelsTypesAndLiterals) {
  TempDir dir;
  const std::string path = dir.write("kg.nt",
                                     "<http://e/Jos%C3%A9> <http://www.w3.org/2000/01/rdf-schema#label> \"José M.\"@es .\n"
                                     "<http://e/Jos%C3%A9> <http://e/bornIn> <http://e/Lima> .\n"
                                     "<http://e/Jos%C3%A9> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/Person> .\n"
                                     "<http://e/Lima> <http://e/population> \"9000000\" .\n");
  EXPECT_EQ(detect_kg_layout(path), KgLayout::kNTriples);
  const graph::KnowledgeGraph graph = read_knowledge_graph(path, 1);
  ASSERT_EQ(graph.num_entities(), 2u);  // the class is an attribute, not an entity
  EXPECT_EQ(graph.entity_id(0), "http://e/Jos%C3%A9");
  EXPECT_EQ(graph.entity_name(0), "José M.");
  EXPECT_EQ(graph.entity_name(1), "Lima");
  EXPECT_EQ(graph.triples().size(), 1u);
  EXPECT_EQ(graph.attributes().size(), 3u);
}

TEST(KgReader, NTriplesSyntaxErrorsNameTheLine) {
  TempDir dir;
  const std::string path = dir.write("bad.nt", "<http://e/A> <http://e/r> <http://e/B> .\n<http://e/A> <http://e/r> .\n");
  const std::string message = error_of([&] { read_knowledge_graph(path, 1); });
  EXPECT_NE(message.find("bad.nt: line 2"), std::string::npos) << message;
  const std::string empty = dir.write("empty.nt", "");
  EXPECT_NE(error_of([&] { read_knowledge_graph(empty, 1); }).find("empty.nt: no entities"), std::string::npos);
  EXPECT_NE(error_of([&] { read_knowledge_graph(dir.file("missing.nt"), 1); }).find("no such file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_knowledge_graph(dir.path().string(), 1); }).find("not a knowledge graph"),
            std::string::npos);
}

TEST(KgReader, LocalNamesArePercentDecodedAndKeepBadEscapes) {
  EXPECT_EQ(uri_local_name("http://dbpedia.org/resource/Caf%C3%A9_Noir"), "Café Noir");
  EXPECT_EQ(uri_local_name("http://x.org/onto#Some_Thing"), "Some Thing");
  EXPECT_EQ(uri_local_name("Jannie_du_Plessis"), "Jannie du Plessis");
  EXPECT_EQ(uri_local_name("http://x.org/100%_pure"), "100% pure");
  EXPECT_EQ(uri_local_name("http://x.org/%FF"), "%FF");  // decodes to invalid UTF-8: kept raw
}

}  // namespace
}  // namespace matchmaker::io
