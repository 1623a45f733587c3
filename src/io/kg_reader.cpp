#include "io/kg_reader.h"

#include <serd/serd.h>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "matchmaker/error.h"
#include "text/normalize.h"

namespace matchmaker::io {
namespace {

namespace fs = std::filesystem;

// Predicates whose literal is an entity's name rather than an ordinary attribute.
constexpr std::array<std::string_view, 4> kLabelPredicates = {
    "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://xmlns.com/foaf/0.1/name", "http://schema.org/name"};
constexpr std::string_view kRdfType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

bool is_label_predicate(std::string_view predicate) {
  for (std::string_view label : kLabelPredicates) {
    if (predicate == label) return true;
  }
  return false;
}

// Reads a tab-separated file line by line, handing each non-blank line's fields to `on_line`.
class TabFile {
 public:
  explicit TabFile(std::string path) : path_(std::move(path)), stream_(path_, std::ios::binary) {
    if (!stream_) throw InputError::At(path_, 0, "cannot open file");
  }

  template <typename OnLine>
  void for_each_line(char delimiter, OnLine&& on_line) {
    std::string line;
    std::vector<std::string_view> fields;
    while (std::getline(stream_, line)) {
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line_number_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (!text::is_valid_utf8(line)) fail(std::string("invalid UTF-8") + text::kReencodeHint);
      fields.clear();
      std::size_t start = 0;
      for (;;) {
        const std::size_t end = line.find(delimiter, start);
        fields.emplace_back(std::string_view(line).substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
      }
      on_line(fields);
    }
  }

  [[noreturn]] void fail(const std::string& problem) const { throw InputError::At(path_, line_number_, problem); }
  void expect_fields(const std::vector<std::string_view>& fields, std::size_t count, const char* what) const {
    if (fields.size() != count) {
      fail("expected " + std::to_string(count) + " tab-separated fields (" + what + "), found " +
           std::to_string(fields.size()));
    }
  }
  std::size_t line_number() const { return line_number_; }

 private:
  std::string path_;
  std::ifstream stream_;
  std::size_t line_number_ = 0;
};

std::string side_file(const std::string& dir, const char* stem, int side) {
  return (fs::path(dir) / (std::string(stem) + "_" + std::to_string(side))).string();
}

// `side` comes from the code (1 or 2), not from the user: another value is a bug.
void check_side(int side) {
  if (side != 1 && side != 2) throw std::invalid_argument("knowledge graph side must be 1 or 2, got " + std::to_string(side));
}

void check_not_empty(const graph::KnowledgeGraph& graph) {
  if (graph.num_entities() == 0) throw InputError::At(graph.source(), 0, "no entities");
}

bool is_unsigned_integer(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

// DBP15K / SRPRS: ent_ids_N (id, URI or name), triples_N (head id, relation id, tail id), and, when
// present, rel_ids_N (relation id, URI) for relation names.
graph::KnowledgeGraph read_dbp15k(const std::string& dir, int side) {
  const std::string entity_path = side_file(dir, "ent_ids", side);
  graph::KnowledgeGraph graph(entity_path);
  {
    TabFile file(entity_path);
    file.for_each_line('\t', [&](const std::vector<std::string_view>& fields) {
      file.expect_fields(fields, 2, "entity id, URI");
      if (!is_unsigned_integer(fields[0])) file.fail("entity id '" + std::string(fields[0]) + "' is not a number");
      if (graph.find_entity(fields[0]) >= 0) file.fail("duplicate entity id '" + std::string(fields[0]) + "'");
      graph.add_entity(fields[0], uri_local_name(fields[1]));
    });
  }
  check_not_empty(graph);

  const std::string relation_path = side_file(dir, "rel_ids", side);
  const bool named_relations = fs::exists(relation_path);
  std::unordered_map<std::string, std::uint32_t> relation_by_id;
  if (named_relations) {
    TabFile file(relation_path);
    file.for_each_line('\t', [&](const std::vector<std::string_view>& fields) {
      file.expect_fields(fields, 2, "relation id, URI");
      if (!relation_by_id.emplace(std::string(fields[0]), graph.intern_relation(fields[1])).second) {
        file.fail("duplicate relation id '" + std::string(fields[0]) + "'");
      }
    });
  }

  TabFile file(side_file(dir, "triples", side));
  file.for_each_line('\t', [&](const std::vector<std::string_view>& fields) {
    file.expect_fields(fields, 3, "head id, relation id, tail id");
    const std::int64_t head = graph.find_entity(fields[0]);
    if (head < 0) file.fail("head id '" + std::string(fields[0]) + "' is not in " + entity_path);
    const std::int64_t tail = graph.find_entity(fields[2]);
    if (tail < 0) file.fail("tail id '" + std::string(fields[2]) + "' is not in " + entity_path);
    std::uint32_t relation = 0;
    if (named_relations) {
      const auto found = relation_by_id.find(std::string(fields[1]));
      if (found == relation_by_id.end()) file.fail("relation id '" + std::string(fields[1]) + "' is not in " + relation_path);
      relation = found->second;
    } else {
      if (!is_unsigned_integer(fields[1])) file.fail("relation id '" + std::string(fields[1]) + "' is not a number");
      relation = graph.intern_relation(fields[1]);
    }
    graph.add_triple(static_cast<std::uint32_t>(head), relation, static_cast<std::uint32_t>(tail));
  });
  return graph;
}

// OpenEA: rel_triples_N (head URI, relation URI, tail URI) and, when present, attr_triples_N
// (entity URI, attribute URI, value). Entities are everything the triples mention.
graph::KnowledgeGraph read_openea(const std::string& dir, int side) {
  graph::KnowledgeGraph graph(dir);
  {
    TabFile file(side_file(dir, "rel_triples", side));
    file.for_each_line('\t', [&](const std::vector<std::string_view>& fields) {
      file.expect_fields(fields, 3, "head URI, relation URI, tail URI");
      const std::uint32_t head = graph.intern_entity(fields[0], uri_local_name(fields[0]));
      const std::uint32_t tail = graph.intern_entity(fields[2], uri_local_name(fields[2]));
      graph.add_triple(head, graph.intern_relation(fields[1]), tail);
    });
  }
  const std::string attribute_path = side_file(dir, "attr_triples", side);
  if (fs::exists(attribute_path)) {
    std::vector<std::uint8_t> labelled;
    TabFile file(attribute_path);
    file.for_each_line('\t', [&](const std::vector<std::string_view>& fields) {
      file.expect_fields(fields, 3, "entity URI, attribute URI, value");
      const std::uint32_t entity = graph.intern_entity(fields[0], uri_local_name(fields[0]));
      labelled.resize(graph.num_entities(), 0);
      if (is_label_predicate(fields[1]) && !labelled[entity]) {
        graph.set_entity_name(entity, std::string(fields[2]));
        labelled[entity] = 1;
      }
      graph.add_attribute(entity, graph.intern_attribute(fields[1]), fields[2]);
    });
  }
  check_not_empty(graph);
  return graph;
}

std::string_view node_text(const SerdNode* node) {
  return {reinterpret_cast<const char*>(node->buf), node->n_bytes};
}

// serd calls back into C; exceptions must not cross it, so the sink only collects and the first
// error is kept for the caller to throw.
struct NTriplesSink {
  graph::KnowledgeGraph* graph;
  std::vector<std::uint8_t> labelled;
  std::string error;

  static SerdStatus on_statement(void* handle, SerdStatementFlags, const SerdNode*, const SerdNode* subject,
                                 const SerdNode* predicate, const SerdNode* object, const SerdNode*,
                                 const SerdNode*) {
    auto& sink = *static_cast<NTriplesSink*>(handle);
    graph::KnowledgeGraph& graph = *sink.graph;
    const std::string_view subject_id = node_text(subject);
    const std::string_view predicate_uri = node_text(predicate);
    const std::string_view object_text = node_text(object);
    if (!text::is_valid_utf8(subject_id) || !text::is_valid_utf8(object_text)) {
      sink.error = std::string("invalid UTF-8") + text::kReencodeHint;
      return SERD_ERR_BAD_SYNTAX;
    }
    const std::uint32_t entity = graph.intern_entity(subject_id, uri_local_name(subject_id));
    sink.labelled.resize(graph.num_entities(), 0);
    if (object->type == SERD_LITERAL) {
      if (is_label_predicate(predicate_uri) && !sink.labelled[entity]) {
        graph.set_entity_name(entity, std::string(object_text));
        sink.labelled[entity] = 1;
      }
      graph.add_attribute(entity, graph.intern_attribute(predicate_uri), object_text);
    } else if (predicate_uri == kRdfType) {
      // Classes are hubs that would link every person to every person: an attribute, not an edge.
      graph.add_attribute(entity, graph.intern_attribute(predicate_uri), uri_local_name(object_text));
    } else {
      const std::uint32_t tail = graph.intern_entity(object_text, uri_local_name(object_text));
      graph.add_triple(entity, graph.intern_relation(predicate_uri), tail);
    }
    return SERD_SUCCESS;
  }

  static SerdStatus on_error(void* handle, const SerdError* error) {
    auto& sink = *static_cast<NTriplesSink*>(handle);
    if (!sink.error.empty()) return error->status;
    std::array<char, 512> message{};
    va_list args;
    va_copy(args, *error->args);
    std::vsnprintf(message.data(), message.size(), error->fmt, args);
    va_end(args);
    std::string text = message.data();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    sink.error = "line " + std::to_string(error->line) + ", column " + std::to_string(error->col) + ": " + text;
    return error->status;
  }
};

graph::KnowledgeGraph read_ntriples(const std::string& path) {
  graph::KnowledgeGraph graph(path);
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw InputError::At(path, 0, "cannot open file");
  NTriplesSink sink{&graph, {}, {}};
  std::unique_ptr<SerdReader, void (*)(SerdReader*)> reader(
      serd_reader_new(SERD_NTRIPLES, &sink, nullptr, nullptr, nullptr, &NTriplesSink::on_statement, nullptr),
      &serd_reader_free);
  serd_reader_set_strict(reader.get(), true);
  serd_reader_set_error_sink(reader.get(), &NTriplesSink::on_error, &sink);
  const SerdStatus status =
      serd_reader_read_file_handle(reader.get(), file.get(), reinterpret_cast<const std::uint8_t*>(path.c_str()));
  if (!sink.error.empty()) throw InputError(path + ": " + sink.error);
  if (status != SERD_SUCCESS && status != SERD_FAILURE) {  // SERD_FAILURE: nothing to read
    throw InputError(path + ": " + reinterpret_cast<const char*>(serd_strerror(status)));
  }
  check_not_empty(graph);
  return graph;
}

int hex_value(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return -1;
}

}  // namespace

std::string kg_layout_name(KgLayout layout) {
  switch (layout) {
    case KgLayout::kDbp15k: return "dbp15k";
    case KgLayout::kOpenEa: return "openea";
    case KgLayout::kNTriples: return "ntriples";
  }
  return "unknown";
}

KgLayout detect_kg_layout(const std::string& path) {
  if (fs::is_regular_file(path) && (path.ends_with(".nt") || path.ends_with(".ntriples"))) return KgLayout::kNTriples;
  if (fs::is_directory(path)) {
    if (fs::exists(fs::path(path) / "ent_ids_1")) return KgLayout::kDbp15k;
    if (fs::exists(fs::path(path) / "rel_triples_1")) return KgLayout::kOpenEa;
  }
  if (!fs::exists(path)) throw InputError::At(path, 0, "no such file or directory");
  throw InputError::At(path, 0,
                       "not a knowledge graph: expected an .nt file, or a directory with ent_ids_1 (DBP15K/SRPRS) "
                       "or rel_triples_1 (OpenEA)");
}

namespace {

graph::KnowledgeGraph read_layout(const std::string& path, int side) {
  switch (detect_kg_layout(path)) {
    case KgLayout::kDbp15k: check_side(side); return read_dbp15k(path, side);
    case KgLayout::kOpenEa: check_side(side); return read_openea(path, side);
    case KgLayout::kNTriples: return read_ntriples(path);
  }
  throw InputError::At(path, 0, "unknown layout");
}

}  // namespace

graph::KnowledgeGraph read_knowledge_graph(const std::string& path, int side) {
  graph::KnowledgeGraph graph = read_layout(path, side);
  if (const std::size_t dropped = graph.remove_duplicate_triples(); dropped > 0) {
    spdlog::warn("{}: {} repeated relation triples ignored (each fact counts once)", path, dropped);
  }
  return graph;
}

std::string find_links_file(const std::string& dir) {
  for (const char* name : {"ref_ent_ids", "ent_links"}) {
    const fs::path candidate = fs::path(dir) / name;
    if (fs::is_regular_file(candidate)) return candidate.string();
  }
  return {};
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> read_entity_links(const std::string& path,
                                                                       const graph::KnowledgeGraph& left,
                                                                       const graph::KnowledgeGraph& right) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;
  TabFile file(path);
  const char delimiter = path.ends_with(".csv") ? ',' : '\t';
  // A left entity has one partner: linked twice, a seed contradicted itself (its other partner then
  // never became a candidate) or a gold link vanished, with no message. Line of each left entity's
  // link. A right entity may be named twice: OpenEA D-W 15K names right entities by label, and 271
  // labels stand for two DBpedia entities each.
  std::unordered_map<std::uint32_t, std::size_t> left_line;
  file.for_each_line(delimiter, [&](const std::vector<std::string_view>& fields) {
    if (file.line_number() == 1 && fields.size() == 2 && fields[0] == "left_id" && fields[1] == "right_id") return;
    if (fields.size() != 2) {
      file.fail(std::string("expected 2 ") + (delimiter == ',' ? "comma" : "tab") +
                "-separated fields (left id, right id), found " + std::to_string(fields.size()));
    }
    const std::int64_t left_row = left.find_entity(fields[0]);
    if (left_row < 0) file.fail("left id '" + std::string(fields[0]) + "' is not an entity of " + left.source());
    const std::int64_t right_row = right.find_entity(fields[1]);
    if (right_row < 0) file.fail("right id '" + std::string(fields[1]) + "' is not an entity of " + right.source());
    const auto [first, fresh] = left_line.emplace(static_cast<std::uint32_t>(left_row), file.line_number());
    if (!fresh) {
      file.fail("left id '" + std::string(fields[0]) + "' is linked again (first on line " +
                std::to_string(first->second) + "): a left entity has one partner");
    }
    links.emplace_back(static_cast<std::uint32_t>(left_row), static_cast<std::uint32_t>(right_row));
  });
  if (links.empty()) throw InputError::At(path, 0, "no links in the file (expected lines: left id, right id)");
  return links;
}

std::string uri_local_name(std::string_view uri) {
  if (uri.find("://") != std::string_view::npos) {
    const std::size_t cut = uri.find_last_of("/#");
    if (cut != std::string_view::npos && cut + 1 < uri.size()) uri.remove_prefix(cut + 1);
  }
  std::string name;
  name.reserve(uri.size());
  for (std::size_t idx = 0; idx < uri.size(); ++idx) {
    const char character = uri[idx];
    if (character == '%' && idx + 2 < uri.size()) {
      const int high = hex_value(uri[idx + 1]);
      const int low = hex_value(uri[idx + 2]);
      if (high >= 0 && low >= 0) {
        name.push_back(static_cast<char>(high * 16 + low));
        idx += 2;
        continue;
      }
    }
    name.push_back(character == '_' ? ' ' : character);
  }
  // A decoded escape may form invalid UTF-8; the raw local name is then the safer name.
  if (!text::is_valid_utf8(name)) return std::string(uri);
  return name;
}

}  // namespace matchmaker::io
