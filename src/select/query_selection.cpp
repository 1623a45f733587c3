#include "select/query_selection.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "matchmaker/error.h"

namespace matchmaker::select {

SelectionStrategy parse_selection_strategy(const std::string& name) {
  if (name == "blocking-max") return SelectionStrategy::kBlockingMax;
  if (name == "stratified") return SelectionStrategy::kStratified;
  if (name == "random") return SelectionStrategy::kRandom;
  throw InputError("unknown selection strategy '" + name + "'; valid: blocking-max, stratified, random");
}

std::string selection_strategy_name(SelectionStrategy strategy) {
  switch (strategy) {
    case SelectionStrategy::kBlockingMax: return "blocking-max";
    case SelectionStrategy::kStratified: return "stratified";
    case SelectionStrategy::kRandom: return "random";
  }
  return "unknown";
}

std::size_t budget_to_count(double budget, std::size_t num_queries) {
  if (budget <= 0) return 0;
  if (budget <= 1.0) return std::min(num_queries, static_cast<std::size_t>(std::floor(budget * static_cast<double>(num_queries))));
  return std::min(num_queries, static_cast<std::size_t>(budget));
}

std::vector<std::uint32_t> select_queries(const candidates::CandidatePairs& pairs, SelectionStrategy strategy,
                                          double budget, std::uint64_t seed) {
  struct QueryScore {
    std::uint32_t query;
    float top_score;
  };
  std::vector<QueryScore> queries;
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    if (pairs.query_size(query) == 0) continue;
    float top_score = 0;
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
      top_score = std::max(top_score, pairs.score[pair]);
    }
    queries.push_back({static_cast<std::uint32_t>(query), top_score});
  }
  const std::size_t count = budget_to_count(budget, queries.size());
  std::mt19937_64 random(seed);
  // Highest top score first; ties by row so the order is total.
  auto by_score = [](const QueryScore& a, const QueryScore& b) {
    return a.top_score != b.top_score ? a.top_score > b.top_score : a.query < b.query;
  };

  std::vector<std::uint32_t> chosen;
  switch (strategy) {
    case SelectionStrategy::kBlockingMax:
      std::sort(queries.begin(), queries.end(), by_score);
      for (std::size_t idx = 0; idx < count; ++idx) chosen.push_back(queries[idx].query);
      break;
    case SelectionStrategy::kRandom:
      std::shuffle(queries.begin(), queries.end(), random);
      for (std::size_t idx = 0; idx < count; ++idx) chosen.push_back(queries[idx].query);
      break;
    case SelectionStrategy::kStratified: {
      // Sort by score, cut into `count` equal bands, draw one query at random from each band: the
      // sample follows the whole score distribution, hard low-score queries included.
      std::sort(queries.begin(), queries.end(), by_score);
      for (std::size_t band = 0; band < count; ++band) {
        const std::size_t begin = band * queries.size() / count;
        const std::size_t end = (band + 1) * queries.size() / count;
        std::uniform_int_distribution<std::size_t> pick(begin, end - 1);
        chosen.push_back(queries[pick(random)].query);
      }
      break;
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace matchmaker::select
