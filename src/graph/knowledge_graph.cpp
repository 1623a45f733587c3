#include "graph/knowledge_graph.h"

#include <algorithm>
#include <array>

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

std::size_t KnowledgeGraph::remove_duplicate_triples() {
  const auto key = [](const RelationTriple& triple) {
    return std::array<std::uint32_t, 3>{triple.head, triple.relation, triple.tail};
  };
  std::vector<std::size_t> order(triples_.size());
  for (std::size_t idx = 0; idx < order.size(); ++idx) order[idx] = idx;
  // Sorted by triple, then position: the first of each run of equal triples is the one kept.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return key(triples_[a]) != key(triples_[b]) ? key(triples_[a]) < key(triples_[b]) : a < b;
  });
  std::vector<std::uint8_t> keep(triples_.size(), 0);
  for (std::size_t idx = 0; idx < order.size(); ++idx) {
    keep[order[idx]] = idx == 0 || key(triples_[order[idx]]) != key(triples_[order[idx - 1]]);
  }
  std::size_t kept = 0;
  for (std::size_t idx = 0; idx < triples_.size(); ++idx) {
    if (keep[idx]) triples_[kept++] = triples_[idx];
  }
  const std::size_t dropped = triples_.size() - kept;
  triples_.resize(kept);
  return dropped;
}

}  // namespace matchmaker::graph
