#include "pipeline/align_job.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <optional>

#include "eval/metrics.h"
#include "features/entity_pair_features.h"
#include "graph/entity_names.h"
#include "graph/sinkhorn.h"
#include "io/atomic_file.h"
#include "io/kg_reader.h"
#include "matchmaker/error.h"
#include "resolve/ranking.h"
#include "resolve/resolve.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {
namespace {

using graph::EntityPair;

constexpr std::size_t kFactsPerEntity = 5;  // relation facts the teacher sees per entity
constexpr std::size_t kSeedRivals = 4;      // non-matching candidates per seed entity the student learns from

struct Split {
  std::vector<EntityPair> seeds;          // trusted links
  std::vector<eval::RowPair> test;        // gold links to evaluate on, sorted
  std::vector<EntityPair> all_links;      // every gold link (simulated teacher only)
};

Split split_links(const AlignConfig& config, const graph::KnowledgeGraph& left, const graph::KnowledgeGraph& right) {
  Split split;
  std::string gold_path = config.gold_path;
  if (gold_path.empty() && io::detect_kg_layout(config.kg1_path) != io::KgLayout::kNTriples) {
    gold_path = io::find_links_file(config.kg1_path);
  }
  if (!gold_path.empty()) split.all_links = io::read_entity_links(gold_path, left, right);
  std::size_t first_test = 0;
  if (!config.seeds_path.empty()) {
    split.seeds = io::read_entity_links(config.seeds_path, left, right);
  } else if (config.seed_share > 0) {
    if (!(config.seed_share < 1.0)) throw InputError("--seed-share must be in [0, 1)");
    if (split.all_links.empty()) throw InputError("--seed-share needs gold links: give --gold");
    first_test = static_cast<std::size_t>(std::llround(config.seed_share * static_cast<double>(split.all_links.size())));
    split.seeds.assign(split.all_links.begin(), split.all_links.begin() + static_cast<std::ptrdiff_t>(first_test));
  }
  std::vector<EntityPair> seeds_sorted = split.seeds;
  std::sort(seeds_sorted.begin(), seeds_sorted.end());
  for (std::size_t idx = first_test; idx < split.all_links.size(); ++idx) {
    if (!std::binary_search(seeds_sorted.begin(), seeds_sorted.end(), split.all_links[idx])) split.test.push_back(split.all_links[idx]);
  }
  std::sort(split.test.begin(), split.test.end());
  split.test.erase(std::unique(split.test.begin(), split.test.end()), split.test.end());
  return split;
}

std::vector<std::uint32_t> rows_except(std::size_t count, const std::vector<std::uint8_t>& excluded) {
  std::vector<std::uint32_t> rows;
  for (std::size_t row = 0; row < count; ++row) {
    if (!excluded[row]) rows.push_back(static_cast<std::uint32_t>(row));
  }
  return rows;
}

// "id, name, facts" per entity; facts are a few relation facts, compact: "relation: neighbour; ...",
// so the teacher can tell two same-named entities apart by their neighbourhood.
Table teacher_table(const graph::KnowledgeGraph& graph, const graph::EntityAdjacency& adjacency) {
  Table table(graph.source(), {"id", "name", "facts"}, 0);
  std::string facts;
  for (std::uint32_t entity = 0; entity < graph.num_entities(); ++entity) {
    facts.clear();
    const auto neighbours = adjacency.neighbours_of(entity);
    const auto relations = adjacency.relations_of(entity);
    for (std::size_t edge = 0; edge < std::min(kFactsPerEntity, neighbours.size()); ++edge) {
      if (!facts.empty()) facts += "; ";
      const std::string relation = io::uri_local_name(graph.relation_name(relations[edge] / 2));
      facts += (relations[edge] % 2 == 0) ? relation + ": " : relation + " of: ";
      facts += graph.entity_name(neighbours[edge]);
    }
    const std::array<std::string_view, 3> cells = {graph.entity_id(entity), graph.entity_name(entity), facts};
    table.append_row(cells);
  }
  return table;
}

// Seed pairs as training rows: every seed entity's candidates among the seed and target entities,
// labelled 1 for its seed partner and 0 otherwise, with the problem's feature columns.
KnownLabels seed_labels(const std::vector<EntityPair>& seeds, const graph::BootstrapResult& model,
                        std::span<const std::uint32_t> target_rows, const features::EntityPairInputs& base,
                        const graph::BootstrapSettings& settings) {
  std::vector<std::uint32_t> seed_left, seed_targets(target_rows.begin(), target_rows.end());
  for (const auto& [left, right] : seeds) {
    seed_left.push_back(left);
    seed_targets.push_back(right);
  }
  std::sort(seed_left.begin(), seed_left.end());
  seed_left.erase(std::unique(seed_left.begin(), seed_left.end()), seed_left.end());
  std::sort(seed_targets.begin(), seed_targets.end());
  seed_targets.erase(std::unique(seed_targets.begin(), seed_targets.end()), seed_targets.end());
  const candidates::CandidatePairs pairs = graph::fused_candidates(model.views, seed_left, seed_targets, settings.top_k);
  const std::vector<float> assignment = graph::sinkhorn_scores(pairs, pairs.score, settings.sinkhorn);
  features::EntityPairInputs inputs = base;
  inputs.fused = pairs.score;
  inputs.assignment = assignment;
  const features::FeatureMatrix all_rows = features::entity_pair_features(pairs, inputs);
  std::vector<EntityPair> sorted_seeds = seeds;
  std::sort(sorted_seeds.begin(), sorted_seeds.end());
  // The partner and the strongest rivals of each seed entity: the rivals are where the student must
  // learn to decide; the long tail would only slow training down.
  KnownLabels known;
  known.features.names = all_rows.names;
  known.features.monotone = all_rows.monotone;
  std::vector<std::uint64_t> order;
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    order.clear();
    for (std::uint64_t pair = pairs.query_offsets[query]; pair < pairs.query_offsets[query + 1]; ++pair) order.push_back(pair);
    std::sort(order.begin(), order.end(), [&](std::uint64_t a, std::uint64_t b) {
      return assignment[a] != assignment[b] ? assignment[a] > assignment[b] : a < b;
    });
    std::size_t negatives = 0;
    for (std::uint64_t pair : order) {
      const bool match = std::binary_search(sorted_seeds.begin(), sorted_seeds.end(), EntityPair{pairs.left[pair], pairs.right[pair]});
      if (!match && negatives++ >= kSeedRivals) continue;
      known.features.values.insert(known.features.values.end(), all_rows.row(pair), all_rows.row(pair) + all_rows.num_features());
      known.labels.push_back(match ? 1.0f : 0.0f);
      known.weights.push_back(1.0f);
    }
  }
  known.features.num_rows = known.labels.size();
  return known;
}

// Seed-free start: mutual best name matches that are nearly identical.
std::vector<EntityPair> name_anchors(const graph::NameVectors& names, std::span<const std::uint32_t> query_rows,
                                     std::span<const std::uint32_t> target_rows, float min_score, int top_k) {
  graph::EntityViews views;
  views.left.resize(graph::kNumViews);
  views.right.resize(graph::kNumViews);
  for (std::size_t view = 0; view < graph::kNumViews; ++view) {
    views.left[view].offsets.assign(names.left.num_rows() + 1, 0);
    views.right[view].offsets.assign(names.right.num_rows() + 1, 0);
  }
  views.left[graph::kName] = names.left;
  views.right[graph::kName] = names.right;
  const candidates::CandidatePairs pairs = graph::fused_candidates(views, query_rows, target_rows, top_k);
  return graph::mutual_best_pairs(pairs, pairs.score, min_score);
}

void write_alignment(const std::string& path, const candidates::CandidatePairs& pairs, std::span<const float> scores,
                     const std::vector<resolve::Match>& one_to_one, const graph::KnowledgeGraph& left,
                     const graph::KnowledgeGraph& right, int top_k) {
  std::vector<std::int64_t> aligned_right(pairs.num_left, -1);
  for (const resolve::Match& match : one_to_one) aligned_right[match.left] = match.right;
  io::AtomicFile file(path);
  std::ostream& out = file.stream();
  out << "left_id,right_id,rank,score,one_to_one\n";
  for (const resolve::RankedCandidate& ranked : resolve::rank_candidates(pairs, scores, static_cast<std::size_t>(top_k))) {
    io::write_csv_field(out, left.entity_id(ranked.left));
    out << ',';
    io::write_csv_field(out, right.entity_id(ranked.right));
    out << ',' << ranked.rank << ',' << ranked.score << ','
        << (aligned_right[ranked.left] == static_cast<std::int64_t>(ranked.right) ? 1 : 0) << '\n';
  }
  file.commit();
}

}  // namespace

void run_align(const AlignConfig& config) {
  check_distill_settings(config.distill);
  if (config.output_top_k < 1) throw InputError("--top-k must be at least 1");
  StageTimer timer;
  const graph::KnowledgeGraph left = io::read_knowledge_graph(config.kg1_path, 1);
  const graph::KnowledgeGraph right = io::read_knowledge_graph(config.kg2_path, 2);
  const Split split = split_links(config, left, right);
  if (config.gold_scope && split.test.empty()) throw InputError("--gold-scope needs gold links that are not seeds");
  spdlog::info("kg1 {}: {} entities, {} triples; kg2 {}: {} entities, {} triples; {} seed links, {} test links ({:.2f} s)",
               left.source(), left.num_entities(), left.triples().size(), right.source(), right.num_entities(),
               right.triples().size(), split.seeds.size(), split.test.size(), timer.finish("load"));

  // Who is aligned to whom: seed entities are settled; the rest of each graph (or, under the benchmark
  // protocol, the test links' entities) is matched.
  std::vector<std::uint32_t> query_rows, target_rows;
  if (config.gold_scope) {
    for (const auto& [left_row, right_row] : split.test) {
      query_rows.push_back(left_row);
      target_rows.push_back(right_row);
    }
    std::sort(target_rows.begin(), target_rows.end());
    query_rows.erase(std::unique(query_rows.begin(), query_rows.end()), query_rows.end());
    target_rows.erase(std::unique(target_rows.begin(), target_rows.end()), target_rows.end());
  } else {
    std::vector<std::uint8_t> seeded_left(left.num_entities(), 0), seeded_right(right.num_entities(), 0);
    for (const auto& [left_row, right_row] : split.seeds) {
      seeded_left[left_row] = 1;
      seeded_right[right_row] = 1;
    }
    query_rows = rows_except(left.num_entities(), seeded_left);
    target_rows = rows_except(right.num_entities(), seeded_right);
  }

  const graph::EntityAdjacency left_adjacency = graph::EntityAdjacency::from_graph(left);
  const graph::EntityAdjacency right_adjacency = graph::EntityAdjacency::from_graph(right);
  graph::NameVectors names;
  if (config.use_names) names = graph::name_vectors(left, right);
  std::vector<EntityPair> trusted = split.seeds;
  const bool seed_free = split.seeds.empty();
  if (seed_free && config.use_names) {
    trusted = name_anchors(names, query_rows, target_rows, config.name_anchor_min, config.model.top_k);
    spdlog::info("seed-free: {} mutual best name matches with similarity >= {} start the propagation", trusted.size(),
                 config.name_anchor_min);
  }
  graph::BootstrapSettings model_settings = config.model;
  if (!config.use_names) model_settings.name_weight = 0.0f;
  graph::BootstrapInput input{&left_adjacency, &right_adjacency, left.num_relations(), right.num_relations(),
                              config.use_names ? &names.left : nullptr, config.use_names ? &names.right : nullptr,
                              trusted, query_rows, target_rows};
  graph::BootstrapResult model = graph::bootstrap_align(input, model_settings);
  spdlog::info("structural model: {} rounds, anchors per round {}, {} candidate pairs ({:.2f} s)",
               model.anchors_per_round.size(), fmt::join(model.anchors_per_round, " "), model.pairs.num_pairs(),
               timer.finish("model"));

  // The teacher and the student see the model's order: its assignment weight is the blocking score.
  candidates::CandidatePairs pairs = model.pairs;
  const std::vector<float> fused = pairs.score;
  pairs.score = model.assignment;
  features::EntityPairInputs feature_inputs{&model.views, config.use_names, &left_adjacency, &right_adjacency, fused,
                                            model.assignment};
  const features::FeatureMatrix features = features::entity_pair_features(pairs, feature_inputs);
  std::optional<KnownLabels> known;
  if (!split.seeds.empty()) known = seed_labels(split.seeds, model, target_rows, feature_inputs, model_settings);
  const Table left_table = teacher_table(left, left_adjacency);
  const Table right_table = teacher_table(right, right_adjacency);
  timer.finish("features");

  std::vector<float> scores = model.assignment;
  nlohmann::json report = nlohmann::json::object();
  std::size_t teacher_calls = 0;
  if (config.distill.teacher != "none") {
    DistillSettings settings = config.distill;
    if (settings.teacher.starts_with("simulated:")) settings.teacher_options.simulated_gold = split.all_links;
    std::optional<workspace::Workspace> run_workspace;
    const std::string workspace_path = workspace_path_for(config.workspace_path, config.out_path, settings.teacher);
    if (!workspace_path.empty()) run_workspace.emplace(workspace::Workspace::open(workspace_path));
    settings.teacher_options.cache = run_workspace ? &*run_workspace : nullptr;
    const teacher::MatchProblem problem{&left_table, &right_table, &pairs, &features};
    DistillResult distilled = distill(problem, known ? &*known : nullptr, settings, timer);
    if (distilled.waiting_for_batch) return;
    teacher_calls = distilled.teacher_calls;
    report = distilled.report;
    scores = distilled.scores;
    if (seed_free) {
      // The teacher's answers are the seeds this run did not have: propagate from them once more.
      std::vector<EntityPair> answered;
      for (const auto* decisions : {&distilled.sample_decisions, &distilled.escalated_decisions}) {
        for (const TeacherDecision& decision : *decisions) {
          if (decision.chosen_pair >= 0) {
            const auto pair = static_cast<std::uint64_t>(decision.chosen_pair);
            answered.emplace_back(pairs.left[pair], pairs.right[pair]);
          }
        }
      }
      answered.insert(answered.end(), trusted.begin(), trusted.end());
      input.trusted = answered;
      model = graph::bootstrap_align(input, model_settings);
      pairs = model.pairs;
      pairs.score = model.assignment;
      scores = model.assignment;
      // Queries the teacher decided keep its decision on top.
      std::vector<EntityPair> sorted_answers(answered.begin(), answered.end() - static_cast<std::ptrdiff_t>(trusted.size()));
      std::sort(sorted_answers.begin(), sorted_answers.end());
      for (std::uint64_t pair = 0; pair < pairs.num_pairs(); ++pair) {
        if (std::binary_search(sorted_answers.begin(), sorted_answers.end(), EntityPair{pairs.left[pair], pairs.right[pair]})) {
          scores[pair] = 1.0f + scores[pair];
        }
      }
      spdlog::info("seed-free: {} teacher answers added as anchors, model re-run ({:.2f} s)", sorted_answers.size(),
                   timer.finish("model_with_teacher_anchors"));
    }
  }

  const std::vector<resolve::Match> one_to_one =
      resolve::resolve_matches(pairs, scores, resolve::ResolveMethod::kUniqueMapping, 0.0f);
  write_alignment(config.out_path, pairs, scores, one_to_one, left, right, config.output_top_k);
  timer.finish("write");

  nlohmann::json metrics;
  metrics["task"] = "align";
  metrics["kg1"] = {{"path", config.kg1_path}, {"entities", left.num_entities()}, {"triples", left.triples().size()}};
  metrics["kg2"] = {{"path", config.kg2_path}, {"entities", right.num_entities()}, {"triples", right.triples().size()}};
  metrics["seeds"] = split.seeds.size();
  metrics["seed_free"] = seed_free;
  metrics["names"] = config.use_names;
  metrics["gold_scope"] = config.gold_scope;
  metrics["teacher"] = config.distill.teacher;
  metrics["teacher_calls"] = teacher_calls;
  metrics["distill"] = report;
  metrics["candidate_pairs"] = pairs.num_pairs();
  metrics["anchors_per_round"] = model.anchors_per_round;
  if (!split.test.empty()) {
    std::vector<std::uint32_t> test_queries;
    for (const auto& link : split.test) test_queries.push_back(link.first);
    test_queries.erase(std::unique(test_queries.begin(), test_queries.end()), test_queries.end());
    const eval::RankingMetrics ranking = eval::ranking_metrics(pairs, scores, split.test, test_queries);
    const eval::RankingMetrics model_ranking = eval::ranking_metrics(pairs, model.assignment, split.test, test_queries);
    const eval::PairMetrics aligned = eval::pair_metrics(one_to_one, split.test);
    metrics["quality"] = {{"test_links", split.test.size()},
                          {"hits_at_1", ranking.hits_at_1},
                          {"hits_at_5", ranking.hits_at_5},
                          {"hits_at_10", ranking.hits_at_10},
                          {"mrr", ranking.mrr},
                          {"structural_model_hits_at_1", model_ranking.hits_at_1},
                          {"one_to_one_correct", aligned.true_positives}};
    spdlog::info("Hits@1 {:.4f}  Hits@10 {:.4f}  MRR {:.4f} over {} test links (structural model alone: Hits@1 {:.4f})",
                 ranking.hits_at_1, ranking.hits_at_10, ranking.mrr, ranking.queries, model_ranking.hits_at_1);
  }
  metrics["seconds"] = timer.total_seconds();
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& [name, seconds] : timer.stages()) stages[name] = seconds;
  metrics["stage_seconds"] = stages;
  metrics["peak_memory_mib"] = peak_memory_mib();
  if (!config.metrics_path.empty()) {
    io::AtomicFile file(config.metrics_path);
    file.stream() << metrics.dump(2) << '\n';
    file.commit();
  }
}

}  // namespace matchmaker::pipeline
