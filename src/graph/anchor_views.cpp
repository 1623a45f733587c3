#include "graph/anchor_views.h"

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

// Rows are built in chunks of this many, handed out dynamically: rows differ a lot in cost (a
// neighbour of a hub sees thousands of two-hop paths), so fixed per-thread blocks finish unevenly.
constexpr std::size_t kRowsPerChunk = 256;

// Term spaces up to this size (8 MiB of sums per thread) are accumulated in a dense per-thread array;
// larger ones (typed view: anchors x relation classes, up to ~10^8) sort each row's entries instead,
// so memory stays independent of the term space.
constexpr std::size_t kMaxDenseTerms = std::size_t{1} << 20;

// Per-thread scratch of build_rows: allocated once per thread, reused by every row.
// Sums are taken in double and rounded to float once. The weights are counts or fractions
// 1 / degree with degree <= max_middle_degree (1000 by default: floats that are multiples of 2^-33),
// and an anchor's sum is at most the row entity's degree, so the sums are exact in double for any
// entity with fewer than ~10^6 edges: a row does not depend on the order of its entries, and the
// dense and sorting paths agree bit for bit.
struct RowScratch {
  std::vector<TermWeight> entries;     // the row's (term, weight) entries, summed per term
  std::vector<double> sums;            // dense path: running sum per term, 0 = untouched
  std::vector<std::uint32_t> touched;  // dense path: terms with a sum, in first-touch order

  // Dense path: moves the touched sums into `entries` and resets them. Ascending term order, except
  // when there are more than `max_terms` terms: the caller then selects by weight and sorts the
  // survivors anyway.
  void take_sums(std::size_t max_terms) {
    if (touched.size() <= max_terms) std::sort(touched.begin(), touched.end());
    entries.clear();
    for (std::uint32_t term : touched) {
      entries.push_back({term, static_cast<float>(sums[term])});
      sums[term] = 0.0;
    }
    touched.clear();
  }

  // Sorting path: sorts `entries` by term and sums repeats into one entry per term.
  void merge_entries() {
    std::sort(entries.begin(), entries.end(), [](const TermWeight& a, const TermWeight& b) { return a.term < b.term; });
    std::size_t merged = 0;
    for (std::size_t idx = 0; idx < entries.size();) {
      const std::uint32_t term = entries[idx].term;
      double sum = 0.0;
      for (; idx < entries.size() && entries[idx].term == term; ++idx) sum += entries[idx].weight;
      entries[merged++] = {term, static_cast<float>(sum)};
    }
    entries.resize(merged);
  }
};

// Builds SparseRows in parallel: `fill_row(row_idx, add)` calls add(term, weight) with weight > 0
// and term < num_terms, repeats allowed; they are summed per term. Each chunk of rows is written
// into its own buffers, concatenated in order afterwards, so the result does not depend on
// scheduling.
template <typename FillRow>
text::SparseRows build_rows(std::size_t num_rows, std::size_t num_terms, std::size_t max_terms, FillRow&& fill_row) {
  const bool dense = num_terms <= kMaxDenseTerms;
  const std::size_t num_chunks = (num_rows + kRowsPerChunk - 1) / kRowsPerChunk;
  std::vector<text::SparseRows> chunks(num_chunks);
#pragma omp parallel
  {
    RowScratch scratch;
    if (dense) scratch.sums.assign(num_terms, 0.0);
    double* const sums = scratch.sums.data();
    // Dense path: accumulate in place, no per-entry storage or sort. Weights are positive, so a sum
    // of 0 marks an untouched term.
    auto add_dense = [&scratch, sums](std::uint32_t term, float weight) {
      if (sums[term] == 0.0) scratch.touched.push_back(term);
      sums[term] += weight;
    };
    auto add_entry = [&scratch](std::uint32_t term, float weight) { scratch.entries.push_back({term, weight}); };
#pragma omp for schedule(dynamic, 1)
    for (std::size_t chunk = 0; chunk < num_chunks; ++chunk) {
      text::SparseRows& block = chunks[chunk];
      const std::size_t end = std::min(num_rows, (chunk + 1) * kRowsPerChunk);
      for (std::size_t row_idx = chunk * kRowsPerChunk; row_idx < end; ++row_idx) {
        std::vector<TermWeight>& entries = scratch.entries;
        if (dense) {
          fill_row(row_idx, add_dense);
          scratch.take_sums(max_terms);
        } else {
          entries.clear();
          fill_row(row_idx, add_entry);
          scratch.merge_entries();
        }
        if (entries.size() > max_terms) {
          // Heaviest first (ties: lower term: a total order, so the kept set does not depend on the
          // input order), then back to term order.
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
  }
  text::SparseRows rows;
  rows.offsets.reserve(num_rows + 1);
  std::size_t total = 0;
  for (const text::SparseRows& block : chunks) total += block.terms.size();
  rows.terms.reserve(total);
  rows.values.reserve(total);
  for (const text::SparseRows& block : chunks) {
    const std::uint64_t base = rows.terms.size();
    for (std::size_t row = 0; row < block.num_rows(); ++row) rows.offsets.push_back(base + block.offsets[row + 1]);
    rows.terms.insert(rows.terms.end(), block.terms.begin(), block.terms.end());
    rows.values.insert(rows.values.end(), block.values.begin(), block.values.end());
  }
  return rows;
}

// Number of anchor ids in use: one past the largest in `anchor_of` (the term space of the one- and
// two-hop views).
std::size_t anchor_space(std::span<const std::int32_t> anchor_of) {
  std::int32_t largest = kNoAnchor;
  for (std::int32_t anchor : anchor_of) largest = std::max(largest, anchor);
  return static_cast<std::size_t>(largest + 1);
}

// Renumbers the terms both sides use to 0..n-1 (order kept) and returns n, so that weighting needs
// arrays the size of the terms in use rather than of the whole term space.
std::size_t compact_terms(text::SparseRows& left, text::SparseRows& right) {
  std::uint32_t largest = 0;
  for (const text::SparseRows* rows : {&left, &right}) {
    for (std::uint32_t term : rows->terms) largest = std::max(largest, term);
  }
  const std::size_t total = left.terms.size() + right.terms.size();
  if (static_cast<std::size_t>(largest) < 8 * total) {
    // Term space not much larger than the term occurrences (anchor ids): mark the used terms in a
    // dense array (4 bytes per possible term) and number them in order, no sort. A sparse space
    // (typed view: anchors x relation classes) sorts the occurrences instead.
    std::vector<std::uint32_t> new_id(static_cast<std::size_t>(largest) + 1, 0);
    for (const text::SparseRows* rows : {&left, &right}) {
      for (std::uint32_t term : rows->terms) new_id[term] = 1;
    }
    std::uint32_t used = 0;
    for (std::uint32_t& id : new_id) {
      const std::uint32_t in_use = id;
      id = used;
      used += in_use;
    }
    for (text::SparseRows* rows : {&left, &right}) {
#pragma omp parallel for schedule(static)
      for (std::size_t idx = 0; idx < rows->terms.size(); ++idx) rows->terms[idx] = new_id[rows->terms[idx]];
    }
    return used;
  }
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
  return build_rows(rows.size(), anchor_space(anchor_of), SIZE_MAX, [&](std::size_t row_idx, auto&& add) {
    for (std::uint32_t neighbour : adjacency.neighbours_of(rows[row_idx])) {
      const std::int32_t anchor = anchor_of[neighbour];
      if (anchor != kNoAnchor) add(static_cast<std::uint32_t>(anchor), 1.0f);
    }
  });
}

text::SparseRows two_hop_anchor_weights(const EntityAdjacency& adjacency, std::span<const std::int32_t> anchor_of,
                                        std::span<const std::uint32_t> rows, std::size_t max_middle_degree,
                                        std::size_t max_terms) {
  return build_rows(rows.size(), anchor_space(anchor_of), max_terms, [&](std::size_t row_idx, auto&& add) {
    const std::uint32_t entity = rows[row_idx];
    for (std::uint32_t middle : adjacency.neighbours_of(entity)) {
      const std::size_t degree = adjacency.degree(middle);
      if (degree > max_middle_degree) continue;
      const float weight = 1.0f / static_cast<float>(degree);
      for (std::uint32_t far : adjacency.neighbours_of(middle)) {
        const std::int32_t anchor = anchor_of[far];
        if (far != entity && anchor != kNoAnchor) add(static_cast<std::uint32_t>(anchor), weight);
      }
    }
  });
}

text::SparseRows typed_anchor_counts(const EntityAdjacency& adjacency, std::span<const std::int32_t> anchor_of,
                                     std::span<const std::int32_t> relation_class, std::uint32_t num_classes,
                                     std::span<const std::uint32_t> rows) {
  const std::size_t num_terms = anchor_space(anchor_of) * std::size_t{num_classes};
  return build_rows(rows.size(), num_terms, SIZE_MAX, [&](std::size_t row_idx, auto&& add) {
    const std::uint32_t entity = rows[row_idx];
    const auto neighbours = adjacency.neighbours_of(entity);
    const auto relations = adjacency.relations_of(entity);
    for (std::size_t edge = 0; edge < neighbours.size(); ++edge) {
      const std::int32_t anchor = anchor_of[neighbours[edge]];
      const std::int32_t relation = relation_class[relations[edge]];
      if (anchor == kNoAnchor || relation < 0) continue;
      add(static_cast<std::uint32_t>(anchor) * num_classes + static_cast<std::uint32_t>(relation), 1.0f);
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
  // Row sizes first, so that every row can then be written in place in parallel.
  combined.offsets.assign(num_rows + 1, 0);
  for (const text::SparseRows* view : views) {
    for (std::size_t row = 0; row < num_rows; ++row) combined.offsets[row + 1] += view->offsets[row + 1] - view->offsets[row];
  }
  for (std::size_t row = 0; row < num_rows; ++row) combined.offsets[row + 1] += combined.offsets[row];
  combined.terms.resize(combined.offsets.back());
  combined.values.resize(combined.offsets.back());
#pragma omp parallel
  {
    std::vector<std::uint64_t> cursor(num_views);
#pragma omp for schedule(static)
    for (std::size_t row = 0; row < num_rows; ++row) {
      // Each view's row is sorted by term, and t * num_views + v keeps that order, so the row is a
      // merge of the views' rows: repeatedly take the smallest next term (ids are unique across views).
      for (std::size_t view = 0; view < num_views; ++view) cursor[view] = views[view]->offsets[row];
      for (std::uint64_t out = combined.offsets[row]; out < combined.offsets[row + 1]; ++out) {
        std::size_t pick = num_views;
        std::uint32_t pick_term = 0;
        for (std::size_t view = 0; view < num_views; ++view) {
          if (cursor[view] == views[view]->offsets[row + 1]) continue;
          const auto term = static_cast<std::uint32_t>(views[view]->terms[cursor[view]] * num_views + view);
          if (pick == num_views || term < pick_term) {
            pick = view;
            pick_term = term;
          }
        }
        combined.terms[out] = pick_term;
        combined.values[out] = views[pick]->values[cursor[pick]++];
      }
    }
  }
  return combined;
}

}  // namespace matchmaker::graph
