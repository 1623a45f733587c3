#include "graph/knowledge_graph.h"

namespace matchmaker::graph {

std::int64_t KnowledgeGraph::find_entity(std::string_view id) const {
  const auto found = entity_index_.find(id);
  return found == entity_index_.end() ? -1 : static_cast<std::int64_t>(found->second);
}

std::uint32_t KnowledgeGraph::intern_entity(std::string_view id, std::string_view name) {
  const auto found = entity_index_.find(id);
  if (found != entity_index_.end()) return found->second;
  return add_entity(id, name);
}

std::uint32_t KnowledgeGraph::add_entity(std::string_view id, std::string_view name) {
  const auto entity = static_cast<std::uint32_t>(entity_ids_.size());
  entity_ids_.emplace_back(id);
  entity_names_.emplace_back(name);
  entity_index_.emplace(std::string(id), entity);
  return entity;
}

namespace {
std::uint32_t intern(std::string_view name, std::vector<std::string>& names, auto& index) {
  const auto found = index.find(name);
  if (found != index.end()) return found->second;
  const auto id = static_cast<std::uint32_t>(names.size());
  names.emplace_back(name);
  index.emplace(std::string(name), id);
  return id;
}
}  // namespace

std::uint32_t KnowledgeGraph::intern_relation(std::string_view name) {
  return intern(name, relation_names_, relation_index_);
}

std::uint32_t KnowledgeGraph::intern_attribute(std::string_view name) {
  return intern(name, attribute_names_, attribute_index_);
}

void KnowledgeGraph::add_attribute(std::uint32_t entity, std::uint32_t attribute, std::string_view value) {
  attributes_.push_back({entity, attribute, attribute_values_.size(), static_cast<std::uint32_t>(value.size())});
  attribute_values_.append(value);
}

}  // namespace matchmaker::graph
