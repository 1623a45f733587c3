// Structural views of entities through anchors: pairs already aligned (seed links, confident matches,
// teacher answers) get one shared anchor id on both sides, and an entity is described by the anchors
// around it. Two entities whose neighbourhoods hold the same anchors are likely the same entity; this
// is label propagation (LightEA) with one-hot labels kept sparse and exact instead of randomly projected.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "graph/entity_adjacency.h"
#include "text/sparse_rows.h"

namespace matchmaker::graph {

inline constexpr std::int32_t kNoAnchor = -1;

struct Anchors {
  std::vector<std::int32_t> of_left;   // per KG1 entity: its anchor id, or kNoAnchor
  std::vector<std::int32_t> of_right;  // per KG2 entity
  std::uint32_t count = 0;

  // Pairs in order; a pair whose left or right entity is already anchored is skipped, so the first
  // (most trusted) pairs win.
  static Anchors from_pairs(std::span<const std::pair<std::uint32_t, std::uint32_t>> pairs, std::size_t num_left,
                            std::size_t num_right);
};

// Per entity of `rows`: how many of its edges lead to each anchor (counts).
text::SparseRows one_hop_anchor_counts(const EntityAdjacency& adjacency, std::span<const std::int32_t> anchor_of,
                                       std::span<const std::uint32_t> rows);

// Per entity of `rows`: anchors two edges away, each path weighted by 1 / degree of its middle entity
// (a hub in the middle says little). Middle entities of degree above `max_middle_degree` are skipped;
// only the `max_terms` heaviest anchors of a row are kept (bounds the cost of searching these rows).
text::SparseRows two_hop_anchor_weights(const EntityAdjacency& adjacency, std::span<const std::int32_t> anchor_of,
                                        std::span<const std::uint32_t> rows, std::size_t max_middle_degree,
                                        std::size_t max_terms);

// Per entity of `rows`: (anchor, relation) pairs of its edges, the relation given as a shared relation
// class (`relation_class` maps a directed relation to it; -1 = no class, edge skipped). Term id
// anchor * num_classes + class.
text::SparseRows typed_anchor_counts(const EntityAdjacency& adjacency, std::span<const std::int32_t> anchor_of,
                                     std::span<const std::int32_t> relation_class, std::uint32_t num_classes,
                                     std::span<const std::uint32_t> rows);

// Directed relations of the two graphs that connect the same anchors: KG1 relation r1 is given the
// class of the KG2 relation r2 it most often runs parallel to (e1 -r1- n1 and e2 -r2- n2 with e1~e2,
// n1~n2), if at least `min_support` times; KG2 relation r2 has class r2. Returns the class of every
// KG1 directed relation (-1 = none) and of every KG2 directed relation.
struct RelationClasses {
  std::vector<std::int32_t> of_left;
  std::vector<std::int32_t> of_right;
  std::uint32_t count = 0;
};
RelationClasses align_relations(const EntityAdjacency& left, const EntityAdjacency& right, const Anchors& anchors,
                                std::size_t num_left_relations, std::size_t num_right_relations,
                                std::uint32_t min_support);

// Weights `left` and `right` by idf over both (linear in the value: two-hop weights are fractions)
// and scales every row to length `scale`. Terms are renumbered densely (same ids on both sides).
void idf_unit_rows(text::SparseRows& left, text::SparseRows& right, float scale);

// Rows of several views side by side: term t of view v becomes t * views.size() + v.
// REQUIRES: all views have the same rows.
text::SparseRows concatenate_views(std::span<const text::SparseRows* const> views);

}  // namespace matchmaker::graph
