#include "resolve/resolve.h"

#include <algorithm>
#include <numeric>

#include "matchmaker/error.h"

namespace matchmaker::resolve {

ResolveMethod parse_resolve_method(const std::string& name) {
  if (name == "best-match") return ResolveMethod::kBestMatch;
  if (name == "unique-mapping") return ResolveMethod::kUniqueMapping;
  if (name == "connected-components") return ResolveMethod::kConnectedComponents;
  throw InputError("unknown resolve method '" + name + "'; valid: best-match, unique-mapping, connected-components");
}

std::string resolve_method_name(ResolveMethod method) {
  switch (method) {
    case ResolveMethod::kBestMatch: return "best-match";
    case ResolveMethod::kUniqueMapping: return "unique-mapping";
    case ResolveMethod::kConnectedComponents: return "connected-components";
  }
  return "unknown";
}

namespace {

void sort_matches(std::vector<Match>& matches) {
  std::sort(matches.begin(), matches.end(),
            [](const Match& a, const Match& b) { return a.left != b.left ? a.left < b.left : a.right < b.right; });
}

std::vector<Match> best_match(const candidates::CandidatePairs& pairs, std::span<const float> scores, float threshold) {
  std::vector<Match> matches;
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    std::int64_t best = -1;
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
      if (best < 0 || scores[pair] > scores[static_cast<std::size_t>(best)]) best = static_cast<std::int64_t>(pair);
    }
    if (best >= 0 && scores[static_cast<std::size_t>(best)] >= threshold) {
      const auto pair = static_cast<std::size_t>(best);
      matches.push_back({pairs.left[pair], pairs.right[pair], scores[pair]});
    }
  }
  return matches;
}

std::vector<Match> unique_mapping(const candidates::CandidatePairs& pairs, std::span<const float> scores, float threshold) {
  std::vector<std::uint64_t> order;
  for (std::uint64_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    if (scores[pair] >= threshold) order.push_back(pair);
  }
  // Highest score first; ties by position so the result does not depend on sort internals.
  std::sort(order.begin(), order.end(), [&](std::uint64_t a, std::uint64_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  });
  std::vector<std::uint8_t> left_used(pairs.num_left, 0), right_used(pairs.num_right, 0);
  std::vector<Match> matches;
  for (std::uint64_t pair : order) {
    if (left_used[pairs.left[pair]] || right_used[pairs.right[pair]]) continue;
    left_used[pairs.left[pair]] = right_used[pairs.right[pair]] = 1;
    matches.push_back({pairs.left[pair], pairs.right[pair], scores[pair]});
  }
  sort_matches(matches);
  return matches;
}

std::uint32_t find_root(std::vector<std::uint32_t>& parent, std::uint32_t node) {
  while (parent[node] != node) {
    parent[node] = parent[parent[node]];
    node = parent[node];
  }
  return node;
}

// Every pair inside every cluster, scored with the best direct edge score within the cluster path
// when one exists (the edge's own score) or the weakest accepted link of the cluster otherwise.
std::vector<Match> connected_components(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                        float threshold) {
  std::vector<std::uint32_t> parent(pairs.num_left);
  std::iota(parent.begin(), parent.end(), 0u);
  std::vector<float> weakest_link(pairs.num_left, 1.0f);
  for (std::uint64_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    if (scores[pair] < threshold) continue;
    const std::uint32_t root_a = find_root(parent, pairs.left[pair]);
    const std::uint32_t root_b = find_root(parent, pairs.right[pair]);
    const float weakest = std::min({weakest_link[root_a], weakest_link[root_b], scores[pair]});
    if (root_a != root_b) parent[std::max(root_a, root_b)] = std::min(root_a, root_b);
    weakest_link[std::min(root_a, root_b)] = weakest;
  }
  std::vector<std::vector<std::uint32_t>> members(pairs.num_left);
  for (std::uint32_t node = 0; node < pairs.num_left; ++node) members[find_root(parent, node)].push_back(node);
  std::vector<Match> matches;
  for (std::uint32_t root = 0; root < pairs.num_left; ++root) {
    const auto& cluster = members[root];
    for (std::size_t a = 0; a < cluster.size(); ++a) {
      for (std::size_t b = a + 1; b < cluster.size(); ++b) {
        matches.push_back({cluster[a], cluster[b], weakest_link[root], root});
      }
    }
  }
  // Direct edges keep their own score.
  sort_matches(matches);
  for (std::uint64_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    if (scores[pair] < threshold) continue;
    auto found = std::lower_bound(matches.begin(), matches.end(), Match{pairs.left[pair], pairs.right[pair], 0},
                                  [](const Match& a, const Match& b) {
                                    return a.left != b.left ? a.left < b.left : a.right < b.right;
                                  });
    if (found != matches.end() && found->left == pairs.left[pair] && found->right == pairs.right[pair]) {
      found->score = scores[pair];
    }
  }
  return matches;
}

}  // namespace

std::vector<Match> resolve_matches(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                   ResolveMethod method, float threshold) {
  switch (method) {
    case ResolveMethod::kBestMatch: return best_match(pairs, scores, threshold);
    case ResolveMethod::kUniqueMapping: return unique_mapping(pairs, scores, threshold);
    case ResolveMethod::kConnectedComponents: return connected_components(pairs, scores, threshold);
  }
  return {};
}

}  // namespace matchmaker::resolve
