#include "graph/anchor_views.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>

#include "text/tfidf.h"

namespace matchmaker::graph {
namespace {

struct TermWeight {
  std::uint32_t term;
  float weight;
};

// Builds SparseRows in parallel: `fill_row(row_idx, entries)` appends (term, weight) entries, repeats
// allowed; they are sorted and summed. Sorting a row's few entries keeps memory independent of the
// term space (anchors x relation classes can reach 10^8). Each thread writes a contiguous block of
// rows into its own buffers, concatenated in order afterwards.
template <typename FillRow>
text::SparseRows build_rows(std::size_t num_rows, std::size_t max_terms, FillRow&& fill_row) {
  const int num_threads = omp_get_max_threads();
  std::vector<text::SparseRows> blocks(static_cast<std::size_t>(num_threads));
#pragma omp parallel num_threads(num_threads)
  {
    const auto thread = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t begin = num_rows * thread / static_cast<std::size_t>(num_threads);
    const std::size_t end = num_rows * (thread + 1) / static_cast<std::size_t>(num_threads);
    std::vector<TermWeight> entries;
    text::SparseRows& block = blocks[thread];
    for (std::size_t row_idx = begin; row_idx < end; ++row_idx) {
      entries.clear();
      fill_row(row_idx, entries);
      std::sort(entries.begin(), entries.end(), [](const TermWeight& a, const TermWeight& b) { return a.term < b.term; });
      std::size_t merged = 0;
      for (std::size_t idx = 0; idx < entries.size();) {
        TermWeight sum{entries[idx].term, 0.0f};
        for (; idx < entries.size() && entries[idx].term == sum.term; ++idx) sum.weight += entries[idx].weight;
        entries[merged++] = sum;
      }
      entries.resize(merged);
      if (entries.size() > max_terms) {
        // Heaviest first (ties: lower term), then back to term order.
        std::nth_element(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(max_terms), entries.end(),
                         [](const TermWeight& a, const TermWeight& b) {
                           return a.weight != b.weight ? a.weight > b.weight : a.term < b.term;
                         });
        entries.resize(max_terms);
        std::sort(entries.begin(), entries.end(), [](const TermWeight& a, const TermWeight& b) { return a.term < b.term; });
      }
      for (const TermWeight& entry : entries) {
        block.terms.push_back(entry.term);
        block.values.push_back(entry.weight);
      }
      block.offsets.push_back(block.terms.size());
    }
  }
  text::SparseRows rows;
  rows.offsets.reserve(num_rows + 1);
  for (const text::SparseRows& block : blocks) {
    const std::uint64_t base = rows.terms.size();
    for (std::size_t row = 0; row < block.num_rows(); ++row) rows.offsets.push_back(base + block.offsets[row + 1]);
    rows.terms.insert(rows.terms.end(), block.terms.begin(), block.terms.end());
    rows.values.insert(rows.values.end(), block.values.begin(), block.values.end());
  }
  return rows;
}

// Renumbers the terms both sides use to 0..n-1 (order kept) and returns n, so that weighting needs
// arrays the size of the terms in use rather than of the whole term space.
std::size_t compact_terms(text::SparseRows& left, text::SparseRows& right) {
  std::vector<std::uint32_t> used(left.terms);
  used.insert(used.end(), right.terms.begin(), right.terms.end());
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  for (text::SparseRows* rows : {&left, &right}) {
#pragma omp parallel for schedule(static)
    for (std::size_t idx = 0; idx < rows->terms.size(); ++idx) {
      rows->terms[idx] = static_cast<std::uint32_t>(std::lower_bound(used.begin(), used.end(), rows->terms[idx]) - used.begin());
    }
  }
  return used.size();
}

}  // namespace

Anchors Anchors::from_pairs(std::span<const std::pair<std::uint32_t, std::uint32_t>> pairs, std::size_t num_left,
                            std::size_t num_right) {
  Anchors anchors;
  anchors.of_left.assign(num_left, kNoAnchor);
  anchors.of_right.assign(num_right, kNoAnchor);
  for (const auto& [left, right] : pairs) {
    if (anchors.of_left[left] != kNoAnchor || anchors.of_right[right] != kNoAnchor) continue;
    anchors.of_left[left] = static_cast<std::int32_t>(anchors.count);
    anchors.of_right[right] = static_cast<std::int32_t>(anchors.count);
    ++anchors.count;
  }
  return anchors;
}

text::SparseRows one_hop_anchor_counts(const EntityAdjacency& adjacency, std::span<const std::int32_t> anchor_of,
                                       std::span<const std::uint32_t> rows) {
  return build_rows(rows.size(), SIZE_MAX, [&](std::size_t row_idx, std::vector<TermWeight>& entries) {
    for (std::uint32_t neighbour : adjacency.neighbours_of(rows[row_idx])) {
      const std::int32_t anchor = anchor_of[neighbour];
      if (anchor != kNoAnchor) entries.push_back({static_cast<std::uint32_t>(anchor), 1.0f});
    }
  });
}

text::SparseRows two_hop_anchor_weights(const EntityAdjacency& adjacency, std::span<const std::int32_t> anchor_of,
                                        std::span<const std::uint32_t> rows, std::size_t max_middle_degree,
                                        std::size_t max_terms) {
  return build_rows(rows.size(), max_terms, [&](std::size_t row_idx, std::vector<TermWeight>& entries) {
    const std::uint32_t entity = rows[row_idx];
    for (std::uint32_t middle : adjacency.neighbours_of(entity)) {
      const std::size_t degree = adjacency.degree(middle);
      if (degree > max_middle_degree) continue;
      const float weight = 1.0f / static_cast<float>(degree);
      for (std::uint32_t far : adjacency.neighbours_of(middle)) {
        const std::int32_t anchor = anchor_of[far];
        if (far != entity && anchor != kNoAnchor) entries.push_back({static_cast<std::uint32_t>(anchor), weight});
      }
    }
  });
}

text::SparseRows typed_anchor_counts(const EntityAdjacency& adjacency, std::span<const std::int32_t> anchor_of,
                                     std::span<const std::int32_t> relation_class, std::uint32_t num_classes,
                                     std::span<const std::uint32_t> rows) {
  return build_rows(rows.size(), SIZE_MAX, [&](std::size_t row_idx, std::vector<TermWeight>& entries) {
    const std::uint32_t entity = rows[row_idx];
    const auto neighbours = adjacency.neighbours_of(entity);
    const auto relations = adjacency.relations_of(entity);
    for (std::size_t edge = 0; edge < neighbours.size(); ++edge) {
      const std::int32_t anchor = anchor_of[neighbours[edge]];
      const std::int32_t relation = relation_class[relations[edge]];
      if (anchor == kNoAnchor || relation < 0) continue;
      entries.push_back({static_cast<std::uint32_t>(anchor) * num_classes + static_cast<std::uint32_t>(relation), 1.0f});
    }
  });
}

RelationClasses align_relations(const EntityAdjacency& left, const EntityAdjacency& right, const Anchors& anchors,
                                std::size_t num_left_relations, std::size_t num_right_relations,
                                std::uint32_t min_support) {
  const std::size_t left_directed = 2 * num_left_relations;
  const std::size_t right_directed = 2 * num_right_relations;
  // Anchor -> KG2 entity, to walk from a KG1 anchor to its counterpart.
  std::vector<std::uint32_t> right_of_anchor(anchors.count);
  for (std::size_t entity = 0; entity < anchors.of_right.size(); ++entity) {
    if (anchors.of_right[entity] != kNoAnchor) right_of_anchor[static_cast<std::size_t>(anchors.of_right[entity])] = static_cast<std::uint32_t>(entity);
  }
  std::unordered_map<std::uint64_t, std::uint32_t> support;  // r1 * right_directed + r2 -> parallel edges
  for (std::size_t entity = 0; entity < anchors.of_left.size(); ++entity) {
    const std::int32_t anchor = anchors.of_left[entity];
    if (anchor == kNoAnchor) continue;
    const std::uint32_t counterpart = right_of_anchor[static_cast<std::size_t>(anchor)];
    const auto left_neighbours = left.neighbours_of(static_cast<std::uint32_t>(entity));
    const auto left_relations = left.relations_of(static_cast<std::uint32_t>(entity));
    const auto right_neighbours = right.neighbours_of(counterpart);
    const auto right_relations = right.relations_of(counterpart);
    for (std::size_t left_edge = 0; left_edge < left_neighbours.size(); ++left_edge) {
      const std::int32_t far_anchor = anchors.of_left[left_neighbours[left_edge]];
      if (far_anchor == kNoAnchor) continue;
      for (std::size_t right_edge = 0; right_edge < right_neighbours.size(); ++right_edge) {
        if (anchors.of_right[right_neighbours[right_edge]] != far_anchor) continue;
        ++support[static_cast<std::uint64_t>(left_relations[left_edge]) * right_directed + right_relations[right_edge]];
      }
    }
  }
  RelationClasses classes;
  classes.count = static_cast<std::uint32_t>(right_directed);
  classes.of_right.resize(right_directed);
  for (std::size_t relation = 0; relation < right_directed; ++relation) classes.of_right[relation] = static_cast<std::int32_t>(relation);
  classes.of_left.assign(left_directed, -1);
  std::vector<std::uint32_t> best_support(left_directed, 0);
  for (const auto& [key, count] : support) {
    const std::size_t left_relation = key / right_directed;
    const auto right_relation = static_cast<std::int32_t>(key % right_directed);
    // Ties go to the lower KG2 relation, so the result does not depend on hash order.
    if (count > best_support[left_relation] ||
        (count == best_support[left_relation] && right_relation < classes.of_left[left_relation])) {
      best_support[left_relation] = count;
      classes.of_left[left_relation] = right_relation;
    }
  }
  for (std::size_t relation = 0; relation < left_directed; ++relation) {
    if (best_support[relation] < min_support) classes.of_left[relation] = -1;
  }
  return classes;
}

void idf_unit_rows(text::SparseRows& left, text::SparseRows& right, float scale) {
  const std::vector<float> idf = text::inverse_document_frequencies({&left, &right}, compact_terms(left, right));
  for (text::SparseRows* rows : {&left, &right}) {
#pragma omp parallel for schedule(static)
    for (std::size_t row = 0; row < rows->num_rows(); ++row) {
      double squared_norm = 0;
      for (std::uint64_t idx = rows->offsets[row]; idx < rows->offsets[row + 1]; ++idx) {
        rows->values[idx] *= idf[rows->terms[idx]];
        squared_norm += static_cast<double>(rows->values[idx]) * rows->values[idx];
      }
      if (squared_norm <= 0) continue;
      const auto factor = static_cast<float>(scale / std::sqrt(squared_norm));
      for (std::uint64_t idx = rows->offsets[row]; idx < rows->offsets[row + 1]; ++idx) rows->values[idx] *= factor;
    }
  }
}

text::SparseRows concatenate_views(std::span<const text::SparseRows* const> views) {
  text::SparseRows combined;
  const std::size_t num_views = views.size();
  const std::size_t num_rows = views.front()->num_rows();
  std::vector<std::pair<std::uint32_t, float>> entries;
  for (std::size_t row = 0; row < num_rows; ++row) {
    entries.clear();
    for (std::size_t view = 0; view < num_views; ++view) {
      const auto terms = views[view]->row_terms(row);
      const auto values = views[view]->row_values(row);
      for (std::size_t idx = 0; idx < terms.size(); ++idx) {
        entries.emplace_back(static_cast<std::uint32_t>(terms[idx] * num_views + view), values[idx]);
      }
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& [term, value] : entries) {
      combined.terms.push_back(term);
      combined.values.push_back(value);
    }
    combined.offsets.push_back(combined.terms.size());
  }
  return combined;
}

}  // namespace matchmaker::graph
