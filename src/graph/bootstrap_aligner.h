// The small structural model of the align task: entities described by the anchors around them (one and
// two hops, and typed by aligned relations) and by their names, fused into one sparse vector; top-k
// candidates by cosine; then mutual best matches become anchors for the next round (bootstrapping),
// so structure can carry entities whose names do not help.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "candidates/candidate_pairs.h"
#include "graph/anchor_views.h"
#include "graph/entity_adjacency.h"
#include "graph/knowledge_graph.h"
#include "graph/sinkhorn.h"
#include "text/sparse_rows.h"

namespace matchmaker::graph {

using EntityPair = std::pair<std::uint32_t, std::uint32_t>;  // (KG1 entity, KG2 entity)

struct BootstrapSettings {
  int rounds = 8;             // propagation rounds; each after the first adds mutual best matches as anchors
  int top_k = 20;             // candidates per entity and direction
  float name_weight = 1.0f;   // weight of the name view against structure (0 = structure only)
  float one_hop_weight = 1.0f;
  // Two hops reach anchors a sparse neighbourhood lacks (Hits@1 zh_en +0.006, srprs +0.008 at 1 against 0.5).
  float two_hop_weight = 1.0f;
  std::size_t max_two_hop_terms = 48;
  float typed_weight = 1.0f;  // anchors typed by their (aligned) relation
  std::size_t max_middle_degree = 1000;
  std::uint32_t min_relation_support = 3;
  SinkhornSettings sinkhorn;
  // A mutual best pair whose assignment weight is lower is no anchor: a wrong anchor misleads all its
  // neighbours, and errors snowball when anchors are few (zh_en seed-free Hits@1 0.33 -> 0.65 at 0.5;
  // seeded zh_en +0.008, srprs -0.01, fr_en -0.002).
  float min_bootstrap_score = 0.5f;
};

// The views of every entity (all rows of both graphs), each row of unit length times its view weight
// (empty where an entity has nothing in that view).
enum View : std::size_t { kName = 0, kOneHop, kTwoHop, kTyped, kNumViews };
const char* view_name(View view);

struct EntityViews {
  std::vector<text::SparseRows> left;   // one per View
  std::vector<text::SparseRows> right;
};

struct BootstrapInput {
  const EntityAdjacency* left = nullptr;
  const EntityAdjacency* right = nullptr;
  std::size_t num_left_relations = 0;
  std::size_t num_right_relations = 0;
  // Unit name vectors of every entity (text::combined_unit_vectors), or empty rows for structure only.
  const text::SparseRows* left_names = nullptr;
  const text::SparseRows* right_names = nullptr;
  std::span<const EntityPair> trusted;           // seed links and teacher answers, most trusted first
  std::span<const std::uint32_t> query_rows;     // KG1 entities to align, ascending
  std::span<const std::uint32_t> target_rows;    // KG2 entities they may align to, ascending
  // Bootstrapped pairs of an earlier run, anchors of the first round after `trusted`: a re-run with
  // new trusted pairs continues from where the last one stopped instead of growing from them alone.
  std::span<const EntityPair> warm_start;
};

struct BootstrapResult {
  candidates::CandidatePairs pairs;   // over all KG1 / KG2 rows; score = fused cosine
  std::vector<float> assignment;      // per pair: Sinkhorn-normalised score (the model's ranking)
  EntityViews views;                  // of the last round
  std::vector<EntityPair> bootstrapped;  // mutual best pairs used as anchors in the last round
  std::vector<std::size_t> anchors_per_round;
};

BootstrapResult bootstrap_align(const BootstrapInput& input, const BootstrapSettings& settings);

// Top-k candidates between `query_rows` (KG1) and `target_rows` (KG2), both ascending, by the dot
// product of their concatenated views (the fused score), in both directions.
candidates::CandidatePairs fused_candidates(const EntityViews& views, std::span<const std::uint32_t> query_rows,
                                            std::span<const std::uint32_t> target_rows, int top_k);

// Mutual best pairs (rank 1 in both directions) scoring at least `min_score`, by score descending.
std::vector<EntityPair> mutual_best_pairs(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                          float min_score);

// The `count` mutual best pairs of `model` with the highest assignment weight: its most certain.
std::vector<EntityPair> most_certain_pairs(const BootstrapResult& model, std::size_t count);

// Self-seeding, for runs without (enough) seed links: one cold run per entry of `shares`, seeded with
// `trusted` (first) and the most certain pairs of the model before, `share` of `input.query_rows`. The
// seeds are settled as seed links are: trusted anchors, and left out of the other entities'
// candidates, so the rest compete among fewer entities. The result holds the last run's candidates for
// the entities it aligned and, for the seed entities, the model's candidates before with the seed
// partner lifted on top (+1); the seeds count among its anchors (`bootstrapped`).
BootstrapResult self_seeded(BootstrapInput input, const BootstrapSettings& settings, BootstrapResult model,
                            std::span<const EntityPair> trusted, std::span<const double> shares);

}  // namespace matchmaker::graph
