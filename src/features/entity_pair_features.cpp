#include "features/entity_pair_features.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "text/tfidf.h"

namespace matchmaker::features {
namespace {

// Per pair: 1-based rank of the pair among the pairs sharing its key (left or right entity) by
// `scores`, highest first (ties: lower pair index).
std::vector<float> ranks_within(const candidates::CandidatePairs& pairs, std::span<const float> scores, bool by_left) {
  const std::size_t num_keys = by_left ? pairs.num_left : pairs.num_right;
  const std::vector<std::uint32_t>& keys = by_left ? pairs.left : pairs.right;
  std::vector<std::uint64_t> offsets(num_keys + 1, 0);
  for (std::uint32_t key : keys) ++offsets[key + 1];
  for (std::size_t key = 0; key < num_keys; ++key) offsets[key + 1] += offsets[key];
  std::vector<std::uint64_t> grouped(pairs.num_pairs());
  std::vector<std::uint64_t> cursor(offsets.begin(), offsets.end() - 1);
  for (std::uint64_t pair = 0; pair < pairs.num_pairs(); ++pair) grouped[cursor[keys[pair]]++] = pair;
  std::vector<float> ranks(pairs.num_pairs());
#pragma omp parallel for schedule(dynamic, 256)
  for (std::size_t key = 0; key < num_keys; ++key) {
    auto begin = grouped.begin() + static_cast<std::ptrdiff_t>(offsets[key]);
    auto end = grouped.begin() + static_cast<std::ptrdiff_t>(offsets[key + 1]);
    std::sort(begin, end, [&](std::uint64_t a, std::uint64_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; });
    for (auto slot = begin; slot != end; ++slot) ranks[*slot] = static_cast<float>(slot - begin + 1);
  }
  return ranks;
}

}  // namespace

FeatureMatrix entity_pair_features(const candidates::CandidatePairs& pairs, const EntityPairInputs& inputs) {
  FeatureMatrix matrix;
  std::vector<graph::View> views;
  for (graph::View view : {graph::kName, graph::kOneHop, graph::kTwoHop, graph::kTyped}) {
    if (view == graph::kName && !inputs.use_names) continue;
    views.push_back(view);
    matrix.add_feature(std::string(graph::view_name(view)) + " agreement", +1);
  }
  matrix.add_feature("structure and name score", +1);
  matrix.add_feature("one-to-one assignment weight", +1);
  matrix.add_feature("assignment gap to the best candidate", +1);
  matrix.add_feature("rank among the entity's candidates", -1);
  matrix.add_feature("rank among the candidate's entities", -1);
  matrix.add_feature("degree difference (log)", -1);
  matrix.add_feature("degree (log)", 0);
  const std::size_t width = matrix.num_features();
  matrix.num_rows = pairs.num_pairs();
  matrix.values.assign(matrix.num_rows * width, kMissing);

  const std::vector<float> rank_in_left = ranks_within(pairs, inputs.assignment, true);
  const std::vector<float> rank_in_right = ranks_within(pairs, inputs.assignment, false);
#pragma omp parallel for schedule(dynamic, 64)
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    float best = 0.0f;
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
      best = std::max(best, inputs.assignment[pair]);
    }
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
      float* row = matrix.values.data() + pair * width;
      std::size_t column = 0;
      const std::uint32_t left = pairs.left[pair], right = pairs.right[pair];
      for (graph::View view : views) {
        const text::SparseRows& left_rows = inputs.views->left[view];
        const text::SparseRows& right_rows = inputs.views->right[view];
        row[column++] = text::sparse_dot(left_rows.row_terms(left), left_rows.row_values(left), right_rows.row_terms(right),
                                         right_rows.row_values(right));
      }
      row[column++] = inputs.fused[pair];
      row[column++] = inputs.assignment[pair];
      row[column++] = inputs.assignment[pair] - best;
      row[column++] = rank_in_left[pair];
      row[column++] = rank_in_right[pair];
      const float left_degree = std::log1p(static_cast<float>(inputs.left->degree(left)));
      const float right_degree = std::log1p(static_cast<float>(inputs.right->degree(right)));
      row[column++] = std::fabs(left_degree - right_degree);
      row[column++] = left_degree;
    }
  }
  return matrix;
}

}  // namespace matchmaker::features
