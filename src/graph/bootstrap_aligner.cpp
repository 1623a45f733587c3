#include "graph/bootstrap_aligner.h"

#include <algorithm>
#include <array>

#include "candidates/tfidf_blocker.h"
#include "graph/sinkhorn.h"
#include "matchmaker/progress.h"

namespace matchmaker::graph {
namespace {

// Keeps the rows of `selected` entities and empties all others, so that only they can be candidates.
text::SparseRows restrict_rows(const text::SparseRows& rows, std::span<const std::uint32_t> selected) {
  const std::size_t num_rows = rows.num_rows();
  std::vector<std::uint8_t> keep(num_rows, 0);
  for (std::uint32_t row : selected) keep[row] = 1;
  text::SparseRows restricted;
  restricted.offsets.assign(num_rows + 1, 0);
  for (std::size_t row = 0; row < num_rows; ++row) {
    restricted.offsets[row + 1] = restricted.offsets[row] + (keep[row] ? rows.offsets[row + 1] - rows.offsets[row] : 0);
  }
  restricted.terms.resize(restricted.offsets.back());
  restricted.values.resize(restricted.offsets.back());
  // Offsets known, the kept rows are copied in parallel.
#pragma omp parallel for schedule(static)
  for (std::size_t row = 0; row < num_rows; ++row) {
    if (!keep[row]) continue;
    const auto begin = static_cast<std::ptrdiff_t>(rows.offsets[row]);
    const auto end = static_cast<std::ptrdiff_t>(rows.offsets[row + 1]);
    const auto out = static_cast<std::ptrdiff_t>(restricted.offsets[row]);
    std::copy(rows.terms.begin() + begin, rows.terms.begin() + end, restricted.terms.begin() + out);
    std::copy(rows.values.begin() + begin, rows.values.begin() + end, restricted.values.begin() + out);
  }
  return restricted;
}

std::vector<std::uint32_t> all_rows(std::size_t count) {
  std::vector<std::uint32_t> rows(count);
  for (std::size_t row = 0; row < count; ++row) rows[row] = static_cast<std::uint32_t>(row);
  return rows;
}

void scale_rows(text::SparseRows& rows, float scale) {
  for (float& value : rows.values) value *= scale;
}

EntityViews build_views(const BootstrapInput& input, const BootstrapSettings& settings, const Anchors& anchors) {
  const std::size_t num_left = input.left->num_entities();
  const std::size_t num_right = input.right->num_entities();
  const std::vector<std::uint32_t> left_rows = all_rows(num_left);
  const std::vector<std::uint32_t> right_rows = all_rows(num_right);
  EntityViews views;
  views.left.resize(kNumViews);
  views.right.resize(kNumViews);

  if (settings.name_weight > 0 && input.left_names && input.right_names) {
    views.left[kName] = *input.left_names;
    views.right[kName] = *input.right_names;
    scale_rows(views.left[kName], settings.name_weight);
    scale_rows(views.right[kName], settings.name_weight);
  } else {
    views.left[kName].offsets.assign(num_left + 1, 0);
    views.right[kName].offsets.assign(num_right + 1, 0);
  }

  // A view of weight 0 stays empty: it would cost search time and add nothing.
  auto skip = [&](View view) {
    views.left[view].offsets.assign(num_left + 1, 0);
    views.right[view].offsets.assign(num_right + 1, 0);
  };
  if (settings.one_hop_weight > 0) {
    views.left[kOneHop] = one_hop_anchor_counts(*input.left, anchors.of_left, left_rows);
    views.right[kOneHop] = one_hop_anchor_counts(*input.right, anchors.of_right, right_rows);
    idf_unit_rows(views.left[kOneHop], views.right[kOneHop], settings.one_hop_weight);
  } else {
    skip(kOneHop);
  }
  if (settings.two_hop_weight > 0) {
    views.left[kTwoHop] = two_hop_anchor_weights(*input.left, anchors.of_left, left_rows, settings.max_middle_degree, settings.max_two_hop_terms);
    views.right[kTwoHop] = two_hop_anchor_weights(*input.right, anchors.of_right, right_rows, settings.max_middle_degree, settings.max_two_hop_terms);
    idf_unit_rows(views.left[kTwoHop], views.right[kTwoHop], settings.two_hop_weight);
  } else {
    skip(kTwoHop);
  }
  if (settings.typed_weight > 0) {
    const RelationClasses classes = align_relations(*input.left, *input.right, anchors, input.num_left_relations,
                                                    input.num_right_relations, settings.min_relation_support);
    views.left[kTyped] = typed_anchor_counts(*input.left, anchors.of_left, classes.of_left, classes.count, left_rows);
    views.right[kTyped] = typed_anchor_counts(*input.right, anchors.of_right, classes.of_right, classes.count, right_rows);
    idf_unit_rows(views.left[kTyped], views.right[kTyped], settings.typed_weight);
  } else {
    skip(kTyped);
  }

  return views;
}

// Each left and each right entity once, the first pair naming it wins (as graph::Anchors does).
std::vector<EntityPair> one_to_one_pairs(const std::vector<EntityPair>& pairs, std::size_t num_left, std::size_t num_right) {
  std::vector<std::uint8_t> left_used(num_left, 0), right_used(num_right, 0);
  std::vector<EntityPair> kept;
  for (const auto& [left, right] : pairs) {
    if (left_used[left] || right_used[right]) continue;
    left_used[left] = right_used[right] = 1;
    kept.emplace_back(left, right);
  }
  return kept;
}

// The cold run's candidate lists for the entities it aligned, `before`'s for the seed entities it left
// out, with the seed partner lifted above their other candidates (+1: assignment weights are <= 1).
// The seeds count among the anchors (`bootstrapped`), so a warm-started run continues from them.
BootstrapResult with_seed_entities(const BootstrapResult& before, BootstrapResult cold,
                                          const std::vector<EntityPair>& seeds) {
  std::vector<std::int64_t> partner(cold.pairs.num_left, -1);
  for (const auto& [left, right] : seeds) partner[left] = right;
  candidates::CandidatePairs pairs;
  pairs.num_left = cold.pairs.num_left;
  pairs.num_right = cold.pairs.num_right;
  pairs.query_offsets.assign(1, 0);
  std::vector<float> assignment;
  auto append = [&](std::uint32_t left, std::uint32_t right, float score, std::uint16_t rank_in_left,
                    std::uint16_t rank_in_right, float weight) {
    pairs.left.push_back(left);
    pairs.right.push_back(right);
    pairs.score.push_back(score);
    pairs.rank_in_left.push_back(rank_in_left);
    pairs.rank_in_right.push_back(rank_in_right);
    assignment.push_back(weight);
  };
  auto copy = [&](const BootstrapResult& from, std::uint64_t first, std::uint64_t last, float lift) {
    for (std::uint64_t pair = first; pair < last; ++pair) {
      append(from.pairs.left[pair], from.pairs.right[pair], from.pairs.score[pair], from.pairs.rank_in_left[pair],
             from.pairs.rank_in_right[pair], from.assignment[pair] + lift);
    }
  };
  for (std::uint32_t query = 0; query < pairs.num_left; ++query) {
    if (partner[query] < 0) {
      copy(cold, cold.pairs.query_offsets[query], cold.pairs.query_offsets[query + 1], 0.0f);
    } else {
      // The query's pairs are in right order: those before the partner, the partner lifted, the rest. A
      // trusted pair (a teacher's answer) need not be among the candidates the model had then: it is
      // added in its place with weight 1.
      const auto partner_right = static_cast<std::uint32_t>(partner[query]);
      const std::uint64_t first = before.pairs.query_offsets[query];
      const std::uint64_t last = before.pairs.query_offsets[query + 1];
      const auto rights = before.pairs.right.begin();
      auto at = static_cast<std::uint64_t>(std::lower_bound(rights + static_cast<std::ptrdiff_t>(first),
                                                            rights + static_cast<std::ptrdiff_t>(last), partner_right) - rights);
      copy(before, first, at, 0.0f);
      if (at < last && before.pairs.right[at] == partner_right) {
        copy(before, at, at + 1, 1.0f);
        ++at;
      } else {
        append(query, partner_right, 0.0f, 0, 0, 1.0f);
      }
      copy(before, at, last, 0.0f);
    }
    pairs.query_offsets.push_back(pairs.left.size());
  }
  cold.pairs = std::move(pairs);
  cold.assignment = std::move(assignment);
  std::vector<EntityPair> anchors = seeds;
  anchors.insert(anchors.end(), cold.bootstrapped.begin(), cold.bootstrapped.end());
  cold.bootstrapped = std::move(anchors);
  return cold;
}

}  // namespace

candidates::CandidatePairs fused_candidates(const EntityViews& views, std::span<const std::uint32_t> query_rows,
                                            std::span<const std::uint32_t> target_rows, int top_k) {
  std::array<const text::SparseRows*, kNumViews> left_views{}, right_views{};
  for (std::size_t view = 0; view < kNumViews; ++view) {
    left_views[view] = &views.left[view];
    right_views[view] = &views.right[view];
  }
  candidates::BlockerOptions options;
  options.top_k = top_k;
  options.both_directions = true;
  // Structural views are not text: their common terms (well-connected anchors) are measured only with
  // the exact search.
  options.pruning = candidates::PruningOptions::exhaustive();
  return candidates::generate_candidates(restrict_rows(concatenate_views(left_views), query_rows),
                                         restrict_rows(concatenate_views(right_views), target_rows), options);
}

const char* view_name(View view) {
  switch (view) {
    case kName: return "name";
    case kOneHop: return "one_hop";
    case kTwoHop: return "two_hop";
    case kTyped: return "typed";
    case kNumViews: break;
  }
  return "?";
}

std::vector<EntityPair> mutual_best_pairs(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                          float min_score) {
  // Best left per right entity and best right per left entity, by `scores` (ties: lower row).
  std::vector<std::int64_t> best_of_right(pairs.num_right, -1);
  std::vector<std::int64_t> best_of_left(pairs.num_left, -1);
  auto better = [&](std::uint64_t pair, std::int64_t incumbent, bool by_left) {
    if (incumbent < 0) return true;
    const auto other = static_cast<std::uint64_t>(incumbent);
    if (scores[pair] != scores[other]) return scores[pair] > scores[other];
    return by_left ? pairs.right[pair] < pairs.right[other] : pairs.left[pair] < pairs.left[other];
  };
  for (std::uint64_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    if (better(pair, best_of_left[pairs.left[pair]], true)) best_of_left[pairs.left[pair]] = static_cast<std::int64_t>(pair);
    if (better(pair, best_of_right[pairs.right[pair]], false)) best_of_right[pairs.right[pair]] = static_cast<std::int64_t>(pair);
  }
  std::vector<std::pair<float, EntityPair>> mutual;
  for (std::size_t left = 0; left < pairs.num_left; ++left) {
    const std::int64_t pair = best_of_left[left];
    if (pair < 0 || best_of_right[pairs.right[static_cast<std::uint64_t>(pair)]] != pair) continue;
    if (scores[static_cast<std::uint64_t>(pair)] < min_score) continue;
    mutual.push_back({scores[static_cast<std::uint64_t>(pair)],
                      {static_cast<std::uint32_t>(left), pairs.right[static_cast<std::uint64_t>(pair)]}});
  }
  std::stable_sort(mutual.begin(), mutual.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<EntityPair> result;
  result.reserve(mutual.size());
  for (const auto& entry : mutual) result.push_back(entry.second);
  return result;
}

BootstrapResult bootstrap_align(const BootstrapInput& input, const BootstrapSettings& settings) {
  BootstrapResult result;
  std::vector<EntityPair> anchor_pairs(input.trusted.begin(), input.trusted.end());
  anchor_pairs.insert(anchor_pairs.end(), input.warm_start.begin(), input.warm_start.end());
  Progress progress("structural model", static_cast<std::size_t>(std::max(1, settings.rounds)), "rounds");
  for (int round = 0; round < std::max(1, settings.rounds); ++round) {
    const Anchors anchors = Anchors::from_pairs(anchor_pairs, input.left->num_entities(), input.right->num_entities());
    result.anchors_per_round.push_back(anchors.count);
    result.views = build_views(input, settings, anchors);
    result.pairs = fused_candidates(result.views, input.query_rows, input.target_rows, settings.top_k);
    result.assignment = sinkhorn_scores(result.pairs, result.pairs.score, settings.sinkhorn);
    progress.add();
    if (round + 1 == std::max(1, settings.rounds)) break;
    // Trusted pairs first so that a bootstrapped pair never displaces them.
    result.bootstrapped = mutual_best_pairs(result.pairs, result.assignment, settings.min_bootstrap_score);
    anchor_pairs.assign(input.trusted.begin(), input.trusted.end());
    anchor_pairs.insert(anchor_pairs.end(), result.bootstrapped.begin(), result.bootstrapped.end());
  }
  return result;
}

// The `count` mutual best pairs of `model` with the highest assignment weight.
std::vector<EntityPair> most_certain_pairs(const BootstrapResult& model, std::size_t count) {
  std::vector<EntityPair> mutual = mutual_best_pairs(model.pairs, model.assignment, 0.0f);
  mutual.resize(std::min(mutual.size(), count));
  return mutual;
}

BootstrapResult self_seeded(BootstrapInput input, const BootstrapSettings& settings, BootstrapResult model,
                            std::span<const EntityPair> trusted, std::span<const double> shares) {
  const std::span<const std::uint32_t> query_rows = input.query_rows;
  const std::span<const std::uint32_t> target_rows = input.target_rows;
  std::vector<std::uint32_t> open_queries, open_targets;
  for (const double share : shares) {
    std::vector<EntityPair> seeds(trusted.begin(), trusted.end());
    const std::vector<EntityPair> certain =
        most_certain_pairs(model, static_cast<std::size_t>(share * static_cast<double>(query_rows.size())));
    seeds.insert(seeds.end(), certain.begin(), certain.end());
    seeds = one_to_one_pairs(seeds, model.pairs.num_left, model.pairs.num_right);
    std::vector<std::uint8_t> seeded_left(model.pairs.num_left, 0), seeded_right(model.pairs.num_right, 0);
    for (const auto& [left, right] : seeds) seeded_left[left] = seeded_right[right] = 1;
    open_queries.clear();
    open_targets.clear();
    for (std::uint32_t row : query_rows) {
      if (!seeded_left[row]) open_queries.push_back(row);
    }
    for (std::uint32_t row : target_rows) {
      if (!seeded_right[row]) open_targets.push_back(row);
    }
    input.trusted = seeds;
    input.warm_start = {};
    input.query_rows = open_queries;
    input.target_rows = open_targets;
    model = with_seed_entities(model, bootstrap_align(input, settings), seeds);
  }
  return model;
}

}  // namespace matchmaker::graph
