// The relation graph of one knowledge graph as undirected compressed rows: every triple (h, r, t) is an
// edge h - t seen from both ends, so that propagation can walk it either way.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "graph/knowledge_graph.h"

namespace matchmaker::graph {

struct EntityAdjacency {
  std::vector<std::uint64_t> offsets{0};  // entity e's edges are [offsets[e], offsets[e+1])
  std::vector<std::uint32_t> neighbours;
  // Relation seen from this end: 2 * relation for an outgoing edge (e is the head), 2 * relation + 1
  // for an incoming one, so "born in" and "birthplace of" stay apart.
  std::vector<std::uint32_t> directed_relations;

  std::size_t num_entities() const { return offsets.size() - 1; }
  std::size_t degree(std::uint32_t entity) const { return offsets[entity + 1] - offsets[entity]; }
  std::span<const std::uint32_t> neighbours_of(std::uint32_t entity) const {
    return {neighbours.data() + offsets[entity], neighbours.data() + offsets[entity + 1]};
  }
  std::span<const std::uint32_t> relations_of(std::uint32_t entity) const {
    return {directed_relations.data() + offsets[entity], directed_relations.data() + offsets[entity + 1]};
  }

  // Self-loops (h == t) are left out: they say nothing about an entity's neighbourhood.
  static EntityAdjacency from_graph(const KnowledgeGraph& graph);
};

}  // namespace matchmaker::graph
