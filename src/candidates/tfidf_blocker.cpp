#include "candidates/tfidf_blocker.h"

#include <algorithm>
#include <omp.h>

#include "candidates/inverted_index.h"

namespace matchmaker::candidates {
namespace {

struct Neighbour {
  std::uint32_t row;
  float score;
};

// Top-k neighbours of every query row against the index, as lists of `top_k` (padded with score < 0).
// `skip_self`: for deduplication, a row is not its own neighbour.
std::vector<Neighbour> top_k_all(const text::SparseRows& queries, const InvertedIndex& index,
                                 std::size_t num_index_rows, int top_k, bool skip_self) {
  const std::size_t k = static_cast<std::size_t>(top_k);
  std::vector<Neighbour> result(queries.num_rows() * k, Neighbour{0, -1.0f});
#pragma omp parallel
  {
    // Dense accumulator with a touched list: one allocation per thread, none per query. The index is
    // read through raw pointers so that writes to the accumulator and touched list do not force the
    // compiler to reload them in the inner loop.
    std::vector<float> accumulator(num_index_rows, 0.0f);
    std::vector<std::uint32_t> touched;
    std::vector<Neighbour> best;
    const std::uint64_t* const posting_offsets = index.offsets.data();
    const std::uint32_t* const posting_rows = index.rows.data();
    const float* const posting_weights = index.weights.data();
    float* const sums = accumulator.data();
#pragma omp for schedule(dynamic, 64)
    for (std::size_t query = 0; query < queries.num_rows(); ++query) {
      std::size_t num_touched = 0;
      for (std::uint64_t idx = queries.offsets[query]; idx < queries.offsets[query + 1]; ++idx) {
        const std::uint32_t term = queries.terms[idx];
        if (term >= index.num_terms()) continue;
        const float query_weight = queries.values[idx];
        const std::uint64_t begin = posting_offsets[term];
        const std::uint64_t end = posting_offsets[term + 1];
        // Room for every posting of this term (plus the slot a branch-free append writes past the
        // end), so the loop below appends without capacity checks.
        if (touched.size() < num_touched + (end - begin) + 1) touched.resize(num_touched + (end - begin) + 1);
        std::uint32_t* const touched_rows = touched.data();
        for (std::uint64_t posting = begin; posting < end; ++posting) {
          const std::uint32_t row = posting_rows[posting];
          // Branch-free append: the slot is always written, but only kept when the row is new.
          float& sum = sums[row];
          touched_rows[num_touched] = row;
          num_touched += sum == 0.0f ? 1 : 0;
          sum += query_weight * posting_weights[posting];
        }
      }
      best.clear();
      for (std::size_t slot = 0; slot < num_touched; ++slot) {
        const std::uint32_t row = touched[slot];
        if (!(skip_self && row == query) && sums[row] > 0.0f) best.push_back({row, sums[row]});
        sums[row] = 0.0f;
      }
      const std::size_t keep = std::min(k, best.size());
      // Ties broken by row id so results do not depend on thread scheduling. That is a total order
      // (rows are unique in `best`), so selecting the `keep` best first and sorting only those gives
      // the same list as a partial sort.
      auto better = [](const Neighbour& a, const Neighbour& b) {
        return a.score != b.score ? a.score > b.score : a.row < b.row;
      };
      std::nth_element(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(keep), best.end(), better);
      std::sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(keep), better);
      std::copy_n(best.begin(), keep, result.begin() + static_cast<std::ptrdiff_t>(query * k));
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

void collect(const std::vector<Neighbour>& lists, int top_k, bool query_is_left, std::vector<DirectedPair>& out) {
  const std::size_t k = static_cast<std::size_t>(top_k);
  for (std::size_t slot = 0; slot < lists.size(); ++slot) {
    const Neighbour& neighbour = lists[slot];
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
  {
    const InvertedIndex right_index(right_vectors);
    collect(top_k_all(left_vectors, right_index, right_vectors.num_rows(), options.top_k, false), options.top_k,
            true, pairs);
  }
  if (options.both_directions) {
    const InvertedIndex left_index(left_vectors);
    collect(top_k_all(right_vectors, left_index, left_vectors.num_rows(), options.top_k, false), options.top_k,
            false, pairs);
  }
  return merge_pairs(pairs, left_vectors.num_rows(), right_vectors.num_rows());
}

CandidatePairs generate_candidates_within(const text::SparseRows& vectors, const BlockerOptions& options) {
  const InvertedIndex index(vectors);
  const auto lists = top_k_all(vectors, index, vectors.num_rows(), options.top_k, true);
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
