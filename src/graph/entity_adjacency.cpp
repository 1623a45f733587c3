#include "graph/entity_adjacency.h"

namespace matchmaker::graph {

EntityAdjacency EntityAdjacency::from_graph(const KnowledgeGraph& graph) {
  EntityAdjacency adjacency;
  const std::size_t num_entities = graph.num_entities();
  adjacency.offsets.assign(num_entities + 1, 0);
  for (const RelationTriple& triple : graph.triples()) {
    if (triple.head == triple.tail) continue;
    ++adjacency.offsets[triple.head + 1];
    ++adjacency.offsets[triple.tail + 1];
  }
  for (std::size_t entity = 0; entity < num_entities; ++entity) adjacency.offsets[entity + 1] += adjacency.offsets[entity];
  adjacency.neighbours.resize(adjacency.offsets.back());
  adjacency.directed_relations.resize(adjacency.offsets.back());
  std::vector<std::uint64_t> cursor(adjacency.offsets.begin(), adjacency.offsets.end() - 1);
  for (const RelationTriple& triple : graph.triples()) {
    if (triple.head == triple.tail) continue;
    const std::uint64_t out_slot = cursor[triple.head]++;
    adjacency.neighbours[out_slot] = triple.tail;
    adjacency.directed_relations[out_slot] = 2 * triple.relation;
    const std::uint64_t in_slot = cursor[triple.tail]++;
    adjacency.neighbours[in_slot] = triple.head;
    adjacency.directed_relations[in_slot] = 2 * triple.relation + 1;
  }
  return adjacency;
}

}  // namespace matchmaker::graph
