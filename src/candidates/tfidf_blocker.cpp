#include "candidates/tfidf_blocker.h"

#include <algorithm>
#include <omp.h>

#include "candidates/inverted_index.h"
#include "candidates/pruned_search.h"
#include "matchmaker/progress.h"

namespace matchmaker::candidates {
namespace {

// Top-k neighbours of every query row against the index, as lists of `top_k` (padded with score < 0).
// `skip_self`: for deduplication, a row is not its own neighbour.
std::vector<ScoredRow> top_k_all(const text::SparseRows& queries, const text::SparseRows& index_vectors, int top_k,
                                 bool skip_self, const PruningOptions& pruning, Progress& progress) {
  const InvertedIndex index(index_vectors);
  const std::size_t k = static_cast<std::size_t>(top_k);
  PruningOptions options = pruning;
  options.rows_rescored = std::max(options.rows_rescored, k);
  std::vector<ScoredRow> result(queries.num_rows() * k, ScoredRow{0, -1.0f});
#pragma omp parallel
  {
    PrunedSearch search(index, index_vectors, options);
    std::vector<ScoredRow> best;
#pragma omp for schedule(dynamic, 64)
    for (std::size_t query = 0; query < queries.num_rows(); ++query) {
      const auto found = search.search(queries.row_terms(query), queries.row_values(query),
                                       [&](std::uint32_t row) { return !(skip_self && row == query); });
      best.assign(found.begin(), found.end());
      const std::size_t keep = std::min(k, best.size());
      // Ties broken by row id so results do not depend on thread scheduling. That is a total order
      // (rows are unique in `best`), so selecting the `keep` best first and sorting only those gives
      // the same list as a partial sort.
      auto better = [](const ScoredRow& a, const ScoredRow& b) {
        return a.score != b.score ? a.score > b.score : a.row < b.row;
      };
      std::nth_element(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(keep), best.end(), better);
      std::sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(keep), better);
      std::copy_n(best.begin(), keep, result.begin() + static_cast<std::ptrdiff_t>(query * k));
      progress.add();
    }
  }
  return result;
}

struct DirectedPair {
  std::uint32_t left;
  std::uint32_t right;
  float score;
  std::uint16_t rank_in_left;
  std::uint16_t rank_in_right;
};

CandidatePairs merge_pairs(std::vector<DirectedPair>& pairs, std::size_t num_left, std::size_t num_right) {
  // Order by (left, right): bucketed by left in linear time, then each bucket (about 2 * top_k pairs)
  // sorted by right, cheaper than one sort of all pairs. A pair found from both sides has the same
  // score both times (the same products summed over the shared terms in the same order), so which
  // copy comes first does not matter.
  {
    std::vector<std::uint64_t> bucket_start(num_left + 1, 0);
    for (const DirectedPair& pair : pairs) ++bucket_start[pair.left + 1];
    for (std::size_t left = 0; left < num_left; ++left) bucket_start[left + 1] += bucket_start[left];
    std::vector<DirectedPair> bucketed(pairs.size());
    std::vector<std::uint64_t> cursor(bucket_start.begin(), bucket_start.end() - 1);
    for (const DirectedPair& pair : pairs) bucketed[cursor[pair.left]++] = pair;
    for (std::size_t left = 0; left < num_left; ++left) {
      std::sort(bucketed.begin() + static_cast<std::ptrdiff_t>(bucket_start[left]),
                bucketed.begin() + static_cast<std::ptrdiff_t>(bucket_start[left + 1]),
                [](const DirectedPair& a, const DirectedPair& b) { return a.right < b.right; });
    }
    pairs.swap(bucketed);
  }
  CandidatePairs merged;
  merged.num_left = num_left;
  merged.num_right = num_right;
  merged.query_offsets.assign(num_left + 1, 0);
  for (std::size_t idx = 0; idx < pairs.size();) {
    DirectedPair pair = pairs[idx];
    std::size_t next = idx + 1;
    for (; next < pairs.size() && pairs[next].left == pair.left && pairs[next].right == pair.right; ++next) {
      pair.rank_in_left = std::max(pair.rank_in_left, pairs[next].rank_in_left);
      pair.rank_in_right = std::max(pair.rank_in_right, pairs[next].rank_in_right);
    }
    merged.left.push_back(pair.left);
    merged.right.push_back(pair.right);
    merged.score.push_back(pair.score);
    merged.rank_in_left.push_back(pair.rank_in_left);
    merged.rank_in_right.push_back(pair.rank_in_right);
    ++merged.query_offsets[pair.left + 1];
    idx = next;
  }
  for (std::size_t query = 0; query < num_left; ++query) merged.query_offsets[query + 1] += merged.query_offsets[query];
  return merged;
}

void collect(const std::vector<ScoredRow>& lists, int top_k, bool query_is_left, std::vector<DirectedPair>& out) {
  const std::size_t k = static_cast<std::size_t>(top_k);
  for (std::size_t slot = 0; slot < lists.size(); ++slot) {
    const ScoredRow& neighbour = lists[slot];
    if (neighbour.score < 0) continue;
    const auto query = static_cast<std::uint32_t>(slot / k);
    const auto rank = static_cast<std::uint16_t>(slot % k + 1);
    if (query_is_left) {
      out.push_back({query, neighbour.row, neighbour.score, rank, 0});
    } else {
      out.push_back({neighbour.row, query, neighbour.score, 0, rank});
    }
  }
}

}  // namespace

CandidatePairs generate_candidates(const text::SparseRows& left_vectors, const text::SparseRows& right_vectors,
                                   const BlockerOptions& options) {
  std::vector<DirectedPair> pairs;
  Progress progress("candidates", left_vectors.num_rows() + (options.both_directions ? right_vectors.num_rows() : 0),
                    "records searched");
  collect(top_k_all(left_vectors, right_vectors, options.top_k, false, options.pruning, progress), options.top_k, true,
          pairs);
  if (options.both_directions) {
    collect(top_k_all(right_vectors, left_vectors, options.top_k, false, options.pruning, progress), options.top_k,
            false, pairs);
  }
  return merge_pairs(pairs, left_vectors.num_rows(), right_vectors.num_rows());
}

CandidatePairs generate_candidates_within(const text::SparseRows& vectors, const BlockerOptions& options) {
  Progress progress("candidates", vectors.num_rows(), "records searched");
  const auto lists = top_k_all(vectors, vectors, options.top_k, true, options.pruning, progress);
  std::vector<DirectedPair> pairs;
  const std::size_t k = static_cast<std::size_t>(options.top_k);
  for (std::size_t slot = 0; slot < lists.size(); ++slot) {
    if (lists[slot].score < 0) continue;
    const auto query = static_cast<std::uint32_t>(slot / k);
    const auto rank = static_cast<std::uint16_t>(slot % k + 1);
    const std::uint32_t other = lists[slot].row;
    // The pair (min, max): the query's own list is the "left" list when the query is the smaller row.
    if (query < other) {
      pairs.push_back({query, other, lists[slot].score, rank, 0});
    } else {
      pairs.push_back({other, query, lists[slot].score, 0, rank});
    }
  }
  return merge_pairs(pairs, vectors.num_rows(), vectors.num_rows());
}

}  // namespace matchmaker::candidates
