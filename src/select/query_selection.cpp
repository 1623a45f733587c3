#include "select/query_selection.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <stdexcept>

#include "matchmaker/error.h"

namespace matchmaker::select {
namespace {

struct StrategyName {
  SelectionStrategy strategy;
  const char* name;
};

// One table for parsing, naming and the error message, so the three cannot drift apart.
constexpr StrategyName kStrategyNames[] = {
    {SelectionStrategy::kBlockingMax, "blocking-max"}, {SelectionStrategy::kStratified, "stratified"},
    {SelectionStrategy::kRandom, "random"},            {SelectionStrategy::kBlockingTop2, "blocking-top2"},
    {SelectionStrategy::kDiversity, "diversity"},      {SelectionStrategy::kUncertainty, "uncertainty"},
};

// What the strategies need to know about a query that has candidates.
struct QuerySummary {
  std::uint32_t query;
  float top_score;          // highest blocking score among its candidates
  float second_score;       // second highest; 0 without a second candidate
  std::uint64_t top_pair;   // the pair with top_score, the first one on ties
};

void check_askable(const candidates::CandidatePairs& pairs, std::span<const std::uint8_t> askable) {
  if (!askable.empty() && askable.size() != pairs.num_left) {
    throw std::invalid_argument("query selection: an askable mask of " + std::to_string(askable.size()) + " rows for " +
                                std::to_string(pairs.num_left) + " queries");
  }
}

bool may_ask(const candidates::CandidatePairs& pairs, std::span<const std::uint8_t> askable, std::size_t query) {
  return pairs.query_size(query) > 0 && (askable.empty() || askable[query] != 0);
}

std::vector<QuerySummary> summarise_queries(const candidates::CandidatePairs& pairs, std::span<const std::uint8_t> askable) {
  std::vector<QuerySummary> queries;
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    if (!may_ask(pairs, askable, query)) continue;
    QuerySummary summary{static_cast<std::uint32_t>(query), 0.0f, 0.0f, pairs.query_offsets[query]};
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
      const float score = pairs.score[pair];
      if (score > summary.top_score) {
        summary.second_score = summary.top_score;
        summary.top_score = score;
        summary.top_pair = pair;
      } else if (score > summary.second_score) {
        summary.second_score = score;
      }
    }
    queries.push_back(summary);
  }
  return queries;
}

// Points are padded to a multiple of kLanes features (with zeros, which add nothing to a distance) so
// the distance loop runs over whole blocks of independent lanes that the compiler can vectorise.
constexpr std::size_t kLanes = 8;
// How often (in features) a distance checks whether it already exceeds the one it must beat.
constexpr std::size_t kEarlyExitFeatures = 4 * kLanes;
// Below this many points a parallel region costs more than it saves.
constexpr std::size_t kMinParallelPoints = 4096;
// min_distance of a query already chosen: below every real (squared) distance.
constexpr float kChosen = -1.0f;
// The triangle-inequality skip must never skip a point whose computed distance would have been
// smaller (that would make the result depend on the skip, not just on the data); float rounding of a
// squared distance is far below this relative slack.
constexpr float kSkipSlack = 1e-3f;

// The query's representative feature rows in one dense array, cleaned and scaled (see kDiversity).
struct Points {
  std::vector<float> values;  // size num_points * dims
  std::size_t dims = 0;       // num_features rounded up to a multiple of kLanes

  const float* row(std::size_t point) const { return values.data() + point * dims; }
};

Points diversity_points(const std::vector<QuerySummary>& queries, const features::FeatureMatrix& features) {
  const std::size_t num_features = features.num_features();
  Points points;
  points.dims = (num_features + kLanes - 1) / kLanes * kLanes;
  points.values.assign(queries.size() * points.dims, 0.0f);
  std::vector<float> low(num_features, std::numeric_limits<float>::infinity());
  std::vector<float> high(num_features, -std::numeric_limits<float>::infinity());
  for (std::size_t point = 0; point < queries.size(); ++point) {
    const float* feature_row = features.row(queries[point].top_pair);
    float* point_row = points.values.data() + point * points.dims;
    for (std::size_t feature = 0; feature < num_features; ++feature) {
      // Missing (NaN) and non-finite values would poison every distance they touch.
      const float value = std::isfinite(feature_row[feature]) ? feature_row[feature] : 0.0f;
      point_row[feature] = value;
      low[feature] = std::min(low[feature], value);
      high[feature] = std::max(high[feature], value);
    }
  }
  // Scaled so that no feature outweighs the others by its unit (a price difference in the hundreds
  // against a cosine in [0, 1]). Division, not a reciprocal: 1 / a tiny range can overflow.
  for (std::size_t point = 0; point < queries.size(); ++point) {
    float* point_row = points.values.data() + point * points.dims;
    for (std::size_t feature = 0; feature < num_features; ++feature) {
      const float range = high[feature] - low[feature];
      point_row[feature] = range > 0 ? (point_row[feature] - low[feature]) / range : 0.0f;
    }
  }
  return points;
}

// Squared Euclidean distance, or any partial sum >= `limit` once it is clear the distance cannot be
// below `limit`. The summation order depends only on `dims`, so a distance is the same bits whichever
// thread computes it and whatever the limit.
float squared_distance_below(const float* lhs, const float* rhs, std::size_t dims, float limit) {
  float sum = 0.0f;
  for (std::size_t block = 0; block < dims; block += kEarlyExitFeatures) {
    const std::size_t block_end = std::min(dims, block + kEarlyExitFeatures);
    float lanes[kLanes] = {};
    for (std::size_t offset = block; offset < block_end; offset += kLanes) {
      for (std::size_t lane = 0; lane < kLanes; ++lane) {
        const float diff = lhs[offset + lane] - rhs[offset + lane];
        lanes[lane] += diff * diff;
      }
    }
    for (float lane_sum : lanes) sum += lane_sum;
    if (sum >= limit) return sum;
  }
  return sum;
}

// k-center greedy (Gonzalez). Each round adds the point farthest from the chosen set and lowers every
// point's distance to that set. Two things keep it fast on 10^5 queries and a budget of 10^4:
// - a point's distance to the newest centre c is computed only when it can be smaller than its
//   distance d to its nearest centre a: by the triangle inequality |x - c| >= |a - c| - d, so when
//   |a - c| >= 2d the point keeps d. Later rounds skip most points this way, at the cost of the
//   distances from c to the earlier centres (budget^2 * dims in all).
// - the distances that are computed stop as soon as they exceed d.
// Measured on 10^5 queries, 40 features, budget 10^4, 2 cores: 1.5 s on clustered or low-dimensional
// data (6.5 s without the skip); 5.5 s on uniform noise, where the skip rarely applies.
// The picks are exactly those of the plain algorithm on the same float distances, for any number of
// threads.
std::vector<std::uint32_t> select_diverse(const std::vector<QuerySummary>& queries,
                                          const features::FeatureMatrix& features, std::size_t count) {
  const std::size_t num_points = queries.size();
  const Points points = diversity_points(queries, features);
  const std::size_t dims = points.dims;
  const bool parallel = num_points >= kMinParallelPoints;

  std::size_t next = 0;  // the query with the highest top score, the first on ties
  for (std::size_t point = 1; point < num_points; ++point) {
    if (queries[point].top_score > queries[next].top_score) next = point;
  }
  // Squared distance from each point to its nearest centre (kChosen for centres) and that centre's
  // position in `centres`.
  std::vector<float> min_distance(num_points, std::numeric_limits<float>::infinity());
  std::vector<std::uint32_t> nearest(num_points, 0);
  std::vector<std::size_t> centres;
  // The centres' points again, contiguous: read once per round, they stay in cache where rows
  // scattered over the whole point array would not.
  std::vector<float> centre_points;
  std::vector<float> centre_distance;  // squared distance from the newest centre to each centre
  centres.reserve(count);
  centre_points.reserve(count * dims);
  centre_distance.reserve(count);

  while (true) {
    centres.push_back(next);
    centre_points.insert(centre_points.end(), points.row(next), points.row(next) + dims);
    min_distance[next] = kChosen;
    if (centres.size() == count) break;
    const float* centre = points.row(next);
    const auto newest = static_cast<std::uint32_t>(centres.size() - 1);

    centre_distance.resize(centres.size());
    float farthest_distance = kChosen;
    std::size_t farthest = num_points;
    // One parallel region per round, not one per loop: a round is short, and every region start and
    // end waits for the slowest thread.
#pragma omp parallel if (parallel)
    {
#pragma omp for schedule(static)
      for (std::size_t idx = 0; idx < centres.size(); ++idx) {
        centre_distance[idx] = squared_distance_below(centre_points.data() + idx * dims, centre, dims,
                                                      std::numeric_limits<float>::infinity());
      }
      // (the implicit barrier above: every centre distance is there before any point reads one)
      float local_distance = kChosen;
      std::size_t local_point = num_points;
#pragma omp for schedule(static) nowait
      for (std::size_t point = 0; point < num_points; ++point) {
        float distance = min_distance[point];
        if (distance == kChosen) continue;
        // 4d^2 < |a - c|^2 means |a - c| > 2d (see above); squared on both sides to avoid sqrt.
        if (centre_distance[nearest[point]] <= 4.0f * distance * (1.0f + kSkipSlack)) {
          const float to_center = squared_distance_below(points.row(point), centre, dims, distance);
          if (to_center < distance) {
            distance = to_center;
            min_distance[point] = to_center;
            nearest[point] = newest;
          }
        }
        // Each thread walks its points in ascending order: strict > keeps the first on ties.
        if (distance > local_distance) {
          local_distance = distance;
          local_point = point;
        }
      }
#pragma omp critical(matchmaker_select_diverse)
      if (local_distance > farthest_distance || (local_distance == farthest_distance && local_point < farthest)) {
        farthest_distance = local_distance;
        farthest = local_point;
      }
    }
    next = farthest;
  }

  std::vector<std::uint32_t> chosen;
  chosen.reserve(centres.size());
  for (std::size_t point : centres) chosen.push_back(queries[point].query);
  return chosen;
}

}  // namespace

SelectionStrategy parse_selection_strategy(const std::string& name) {
  std::string valid;
  for (const auto& entry : kStrategyNames) {
    if (name == entry.name) return entry.strategy;
    valid += valid.empty() ? "" : ", ";
    valid += entry.name;
  }
  // "auto" is the command line's (it picks one of these by the teacher), named for whoever typed a wrong one.
  throw InputError("unknown selection strategy '" + name + "'; valid: " + valid + ", or auto (the default: chosen by the teacher)");
}

std::string selection_strategy_name(SelectionStrategy strategy) {
  for (const auto& entry : kStrategyNames) {
    if (entry.strategy == strategy) return entry.name;
  }
  return "unknown";
}

std::size_t count_askable_queries(const candidates::CandidatePairs& pairs, std::span<const std::uint8_t> askable) {
  check_askable(pairs, askable);
  std::size_t count = 0;
  for (std::size_t query = 0; query < pairs.num_left; ++query) count += may_ask(pairs, askable, query);
  return count;
}

std::size_t budget_to_count(double budget, std::size_t num_queries) {
  if (budget <= 0) return 0;
  // A positive share asks at least one query: 10% of a table under ten rows was nothing, and the run
  // then stopped on "0 of 0 queries answered".
  if (budget <= 1.0) {
    const auto share = static_cast<std::size_t>(std::floor(budget * static_cast<double>(num_queries)));
    return std::min(num_queries, std::max<std::size_t>(share, 1));
  }
  return std::min(num_queries, static_cast<std::size_t>(budget));
}

std::vector<std::uint32_t> select_queries(const candidates::CandidatePairs& pairs, SelectionStrategy strategy,
                                          double budget, std::uint64_t seed, const features::FeatureMatrix* features,
                                          std::span<const std::uint8_t> askable) {
  // Checked before anything else so that a misuse fails on every input, not only on large budgets.
  if (strategy == SelectionStrategy::kUncertainty) {
    throw std::invalid_argument("selection strategy 'uncertainty' needs student probabilities: use select_uncertain");
  }
  if (strategy == SelectionStrategy::kDiversity) {
    if (features == nullptr) throw std::invalid_argument("selection strategy 'diversity' needs the feature matrix");
    if (features->num_rows != pairs.num_pairs() || features->values.size() != features->num_rows * features->num_features()) {
      throw std::invalid_argument("selection strategy 'diversity': the feature matrix has " +
                                  std::to_string(features->num_rows) + " rows for " +
                                  std::to_string(pairs.num_pairs()) + " candidate pairs");
    }
  }

  check_askable(pairs, askable);
  std::vector<QuerySummary> queries = summarise_queries(pairs, askable);
  const std::size_t count = budget_to_count(budget, queries.size());
  std::mt19937_64 random(seed);
  // Highest top score first; ties by row so the order is total.
  auto by_score = [](const QuerySummary& a, const QuerySummary& b) {
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
    case SelectionStrategy::kBlockingTop2: {
      // A large gap means blocking alone nearly decides the query, so the teacher's answer is likely
      // right and the label a clean one to learn from (the same reasoning as Blocking-Max).
      auto by_gap = [](const QuerySummary& a, const QuerySummary& b) {
        const float gap_a = a.top_score - a.second_score;
        const float gap_b = b.top_score - b.second_score;
        return gap_a != gap_b ? gap_a > gap_b : a.query < b.query;
      };
      std::sort(queries.begin(), queries.end(), by_gap);
      for (std::size_t idx = 0; idx < count; ++idx) chosen.push_back(queries[idx].query);
      break;
    }
    case SelectionStrategy::kDiversity:
      // k-center costs num_queries * dims per pick; taking everything needs no distances at all.
      if (count == queries.size()) {
        for (const auto& query : queries) chosen.push_back(query.query);
      } else if (count > 0) {
        chosen = select_diverse(queries, *features, count);
      }
      break;
    case SelectionStrategy::kUncertainty:
      break;  // rejected above
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<std::uint32_t> select_uncertain(const candidates::CandidatePairs& pairs,
                                            std::span<const float> probabilities,
                                            std::span<const std::uint32_t> already_selected, std::size_t count,
                                            std::span<const std::uint8_t> askable, double decision_margin_share) {
  check_askable(pairs, askable);
  if (probabilities.size() != pairs.num_pairs()) {
    throw std::invalid_argument("select_uncertain: " + std::to_string(probabilities.size()) + " probabilities for " +
                                std::to_string(pairs.num_pairs()) + " candidate pairs");
  }
  for (float probability : probabilities) {
    // Written so that NaN fails too: it would break the ordering the sort below relies on.
    if (!(probability >= 0.0f && probability <= 1.0f)) {
      throw std::invalid_argument("select_uncertain: probability " + std::to_string(probability) + " outside [0, 1]");
    }
  }
  if (!(decision_margin_share >= 0.0 && decision_margin_share <= 1.0)) {
    throw std::invalid_argument("select_uncertain: decision margin share " + std::to_string(decision_margin_share) +
                                " outside [0, 1]");
  }
  std::vector<char> selected(pairs.num_left, 0);
  for (std::uint32_t query : already_selected) {
    if (query >= pairs.num_left) {
      throw std::invalid_argument("select_uncertain: already selected row " + std::to_string(query) + " of " +
                                  std::to_string(pairs.num_left));
    }
    selected[query] = 1;
  }

  struct QueryMargin {
    std::uint32_t query;
    float margin;
  };
  std::vector<QueryMargin> candidate_margins, decision_margins;
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    if (!may_ask(pairs, askable, query) || selected[query]) continue;
    float best = 0.0f, second = 0.0f;
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) {
      const float probability = probabilities[pair];
      if (probability > best) {
        second = best;
        best = probability;
      } else if (probability > second) {
        second = probability;
      }
    }
    const float against_none = std::abs(2.0f * best - 1.0f);
    const float candidate_margin = pairs.query_size(query) == 1 ? against_none : best - second;
    const float decision_margin = best >= 0.5f ? std::min(candidate_margin, against_none) : against_none;
    candidate_margins.push_back({static_cast<std::uint32_t>(query), candidate_margin});
    decision_margins.push_back({static_cast<std::uint32_t>(query), decision_margin});
  }

  auto most_uncertain = [](const QueryMargin& a, const QueryMargin& b) {
    return a.margin != b.margin ? a.margin < b.margin : a.query < b.query;
  };
  const std::size_t take = std::min(count, candidate_margins.size());
  const auto by_decision = static_cast<std::size_t>(std::lround(decision_margin_share * static_cast<double>(take)));
  std::vector<std::uint32_t> chosen;
  chosen.reserve(take);
  std::partial_sort(decision_margins.begin(), decision_margins.begin() + static_cast<std::ptrdiff_t>(by_decision),
                    decision_margins.end(), most_uncertain);
  for (std::size_t idx = 0; idx < by_decision; ++idx) {
    chosen.push_back(decision_margins[idx].query);
    selected[decision_margins[idx].query] = 1;
  }
  std::sort(candidate_margins.begin(), candidate_margins.end(), most_uncertain);
  for (const QueryMargin& entry : candidate_margins) {
    if (chosen.size() == take) break;
    if (!selected[entry.query]) chosen.push_back(entry.query);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace matchmaker::select
