// One knowledge graph as every later stage sees it: entities as dense rows 0..n-1 with the id the input
// gave them and a name to compare, relation triples as integer triples, attribute triples in one arena.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace matchmaker::graph {

struct RelationTriple {
  std::uint32_t head;
  std::uint32_t relation;
  std::uint32_t tail;
};

struct AttributeTriple {
  std::uint32_t entity;
  std::uint32_t attribute;
  std::uint64_t value_offset;  // into KnowledgeGraph::attribute_values
  std::uint32_t value_size;
};

class KnowledgeGraph {
 public:
  explicit KnowledgeGraph(std::string source = {}) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }  // file or directory, for messages
  std::size_t num_entities() const { return entity_ids_.size(); }
  std::size_t num_relations() const { return relation_names_.size(); }
  // The id as the input wrote it (DBP15K numeric id, URI): what output and link files use.
  const std::string& entity_id(std::uint32_t entity) const { return entity_ids_[entity]; }
  // What name similarity compares: a label, or the URI's local name.
  const std::string& entity_name(std::uint32_t entity) const { return entity_names_[entity]; }
  const std::string& relation_name(std::uint32_t relation) const { return relation_names_[relation]; }
  const std::string& attribute_name(std::uint32_t attribute) const { return attribute_names_[attribute]; }
  const std::vector<RelationTriple>& triples() const { return triples_; }
  const std::vector<AttributeTriple>& attributes() const { return attributes_; }
  std::string_view attribute_value(const AttributeTriple& triple) const {
    return std::string_view(attribute_values_).substr(triple.value_offset, triple.value_size);
  }

  // Row of an entity id, or -1.
  std::int64_t find_entity(std::string_view id) const;
  // Adds an entity, or returns the row of the existing one with this id (its name is kept).
  std::uint32_t intern_entity(std::string_view id, std::string_view name);
  // REQUIRES: `id` is new (find_entity(id) == -1).
  std::uint32_t add_entity(std::string_view id, std::string_view name);
  void set_entity_name(std::uint32_t entity, std::string name) { entity_names_[entity] = std::move(name); }
  std::uint32_t intern_relation(std::string_view name);
  std::uint32_t intern_attribute(std::string_view name);
  void add_triple(std::uint32_t head, std::uint32_t relation, std::uint32_t tail) {
    triples_.push_back({head, relation, tail});
  }
  void add_attribute(std::uint32_t entity, std::uint32_t attribute, std::string_view value);
  // Drops repeated (head, relation, tail) triples, keeping the first of each in order; returns how
  // many were dropped. A graph is a set of facts: a repeat adds nothing but walks, and a triple
  // repeated a million times made the structural model run for hours.
  std::size_t remove_duplicate_triples();

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view value) const { return std::hash<std::string_view>{}(value); }
  };
  using Index = std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>>;

  std::string source_;
  std::vector<std::string> entity_ids_;
  std::vector<std::string> entity_names_;
  Index entity_index_;
  std::vector<std::string> relation_names_;
  Index relation_index_;
  std::vector<std::string> attribute_names_;
  Index attribute_index_;
  std::vector<RelationTriple> triples_;
  std::vector<AttributeTriple> attributes_;
  std::string attribute_values_;
};

}  // namespace matchmaker::graph
