// Entity names as text the rest of the pipeline understands: a two-column Table (id, name) per graph,
// and unit word + character 3-gram TF-IDF vectors over both graphs' names (the ER representation).
#pragma once

#include "graph/knowledge_graph.h"
#include "matchmaker/table.h"
#include "text/sparse_rows.h"

namespace matchmaker::graph {

// Columns "id", "name"; row r is entity r.
Table entity_name_table(const KnowledgeGraph& graph);

struct NameVectors {
  text::SparseRows left;   // unit vectors, one row per KG1 entity
  text::SparseRows right;  // one row per KG2 entity
};
NameVectors name_vectors(const KnowledgeGraph& left, const KnowledgeGraph& right);

}  // namespace matchmaker::graph
