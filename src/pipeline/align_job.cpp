#include "pipeline/align_job.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <array>
#include <cmath>
#include <optional>

#include "eval/metrics.h"
#include "features/entity_pair_features.h"
#include "graph/entity_names.h"
#include "graph/sinkhorn.h"
#include "io/atomic_file.h"
#include "io/kg_reader.h"
#include "matchmaker/error.h"
#include "pipeline/decision_explanations.h"
#include "pipeline/run_record.h"
#include "pipeline/teacher_files.h"
#include "resolve/ranking.h"
#include "resolve/resolve.h"
#include "select/query_selection.h"
#include "teacher/teacher.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {
namespace {

using graph::EntityPair;

constexpr std::size_t kFactsPerEntity = 5;  // relation facts the teacher sees per entity
constexpr std::size_t kSeedRivals = 4;      // non-matching candidates per seed entity the student learns from
// Seed-free assignment floor for bootstrapped anchors (seeded runs keep BootstrapSettings' 0.5: seeded
// zh_en lost 0.006 at 0.8).
constexpr float kSeedFreeBootstrapFloor = 0.6f;
// Seed-free, growing from few name anchors under the stricter floor can be slow (zh_en anchors per round
// 675, 1251, ..., 5429, 7030 at round 8, 10481 at round 12): while the last round still added more than
// kStillGrowing of the anchors, kMoreSeedFreeRounds more rounds run before the teacher is asked, who is
// then shown better candidates (zh_en seed-free Hits@1 0.738 -> 0.761). fr_en has converged by round 4
// and skips them (12 rounds there took 46 s of a 94 s run).
constexpr double kStillGrowing = 0.05;
constexpr int kMoreSeedFreeRounds = 4;

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

// One teacher answer in entity terms, so that it outlives the candidate pairs it was asked over.
struct AnsweredPair {
  std::uint32_t left = 0;
  std::int64_t right = -1;  // -1: the teacher said none of the candidates
  std::string explanation;
  route::Route route = route::Route::kSample;
};

AnsweredPair answered_pair(const candidates::CandidatePairs& pairs, const TeacherDecision& decision, route::Route route) {
  const std::int64_t right =
      decision.chosen_pair >= 0 ? static_cast<std::int64_t>(pairs.right[static_cast<std::uint64_t>(decision.chosen_pair)]) : -1;
  return {decision.query, right, decision.explanation, route};
}

std::size_t named_count(const std::vector<AnsweredPair>& answered) {
  return static_cast<std::size_t>(std::count_if(answered.begin(), answered.end(), [](const AnsweredPair& a) { return a.right >= 0; }));
}

std::vector<EntityPair> named_pairs(const std::vector<AnsweredPair>& answered) {
  std::vector<EntityPair> named;
  for (const AnsweredPair& answer : answered) {
    if (answer.right >= 0) named.emplace_back(answer.left, static_cast<std::uint32_t>(answer.right));
  }
  return named;
}

// Seed-free: which entities the teacher is asked about so that its answers make good anchors. An
// answer helps most where the model has no anchor yet and the entity has many neighbours (its anchor
// then describes all of them); within a round no two chosen entities are adjacent, so that the
// anchors land in different parts of the graph. Highest degree first, ties by row.
std::vector<std::uint32_t> anchor_queries(const candidates::CandidatePairs& pairs, const graph::EntityAdjacency& adjacency,
                                          const std::vector<std::uint8_t>& settled, std::size_t count) {
  std::vector<std::uint32_t> eligible;
  for (std::uint32_t query = 0; query < pairs.num_left; ++query) {
    if (pairs.query_size(query) > 0 && !settled[query]) eligible.push_back(query);
  }
  std::stable_sort(eligible.begin(), eligible.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return adjacency.degree(a) > adjacency.degree(b); });
  std::vector<std::uint8_t> chosen_or_near(pairs.num_left, 0);
  std::vector<std::uint32_t> chosen;
  for (int pass = 0; pass < 2 && chosen.size() < count; ++pass) {
    // The second pass fills up with neighbours of chosen entities when spreading leaves too few.
    for (std::uint32_t query : eligible) {
      if (chosen.size() == count) break;
      if (chosen_or_near[query] == 2 || (pass == 0 && chosen_or_near[query] == 1)) continue;
      chosen.push_back(query);
      chosen_or_near[query] = 2;
      for (std::uint32_t neighbour : adjacency.neighbours_of(query)) {
        if (neighbour < chosen_or_near.size() && chosen_or_near[neighbour] == 0) chosen_or_near[neighbour] = 1;
      }
    }
  }
  return chosen;
}

// The named matches whose partner `model` ranks first for the KG1 entity. No entity is described by its
// own anchor, so the ranking checks an answer against structure and name alone: of the answers the model
// ranked first after the re-run that trusted them, 95% were right, of the others 45% (zh_en seed-free,
// simulated:0.15); the latter are mostly picks among candidates that lacked the right partner.
std::vector<EntityPair> confirmed_by_model(const graph::BootstrapResult& model, const std::vector<EntityPair>& named) {
  std::vector<EntityPair> confirmed;
  for (const auto& [left, right] : named) {
    const std::int64_t best = resolve::best_candidate(model.pairs, model.assignment, left);
    if (best >= 0 && model.pairs.right[static_cast<std::uint64_t>(best)] == right) confirmed.emplace_back(left, right);
  }
  return confirmed;
}

// Asks `teacher` about `queries`, each shown its `shown` best candidates by `model`'s assignment; the
// answers it gave (a failed call gives none).
std::vector<AnsweredPair> ask_about(teacher::Teacher& teacher, const graph::BootstrapResult& model,
                                    std::span<const std::uint32_t> queries, int shown, bool use_names,
                                    const graph::BootstrapInput& input, const Table& left_table, const Table& right_table) {
  candidates::CandidatePairs pairs = model.pairs;
  pairs.score = model.assignment;
  const features::FeatureMatrix features = features::entity_pair_features(
      pairs, {&model.views, use_names, input.left, input.right, model.pairs.score, model.assignment});
  std::vector<teacher::TeacherQuery> questions;
  for (std::uint32_t query : queries) questions.push_back(question_for(query, pairs, pairs.score, shown));
  const std::vector<teacher::TeacherAnswer> answers = teacher.answer({&left_table, &right_table, &pairs, &features}, questions);
  std::vector<AnsweredPair> answered;
  for (std::size_t idx = 0; idx < answers.size(); ++idx) {
    if (!answers[idx].answered) continue;
    answered.push_back(answered_pair(pairs, decision_of(questions[idx], answers[idx]), route::Route::kSample));
  }
  return answered;
}

// The model after seed-free anchor rounds, the teacher's answers and what they cost.
struct AnchorRounds {
  graph::BootstrapResult model;
  std::vector<EntityPair> anchors;  // named matches the last model confirmed, in the order given
  std::vector<AnsweredPair> answered;
  std::size_t calls = 0;
};

// The sample budget is spent in rounds; each round's answers are anchors of the next model run, which
// then finds better candidates for the next round's questions (the teacher can only name a match it
// is shown).
constexpr int kAnchorRounds = 3;
// Propagation rounds of a warm-started re-run: the anchors of the run before carry over, so a few
// rounds settle the new ones (all rounds again made seed-free fr_en take 158 s on the loaded 2 cores).
constexpr int kRerunRounds = 3;
// A round that could ask about fewer than this share of the entities (the model anchored nearly all the
// others: fr_en's second and third rounds ask about one entity each) does not re-run the model, whose
// re-run costs as much as for hundreds of answers (about 11 s on fr_en); the final re-run takes them.
constexpr double kMinRoundShareForRerun = 0.01;
// Candidates shown per anchor-round question: for most high-degree entities the right partner was
// not among the model's top 10 (zh_en seed-free Hits@1 +0.027 at 20 against 10; mean of seeds 1-3:
// 0.8123 at 20, 0.8149 at 30, 0.8134 at 40).
constexpr int kAnchorRoundCandidates = 30;

// The model once more with `anchors` (teacher answers) trusted before `trusted`, continuing from
// `model`'s anchors.
graph::BootstrapResult rerun_with_anchors(graph::BootstrapInput input, graph::BootstrapSettings settings,
                                          const graph::BootstrapResult& model, std::vector<EntityPair> anchors,
                                          const std::vector<EntityPair>& trusted) {
  anchors.insert(anchors.end(), trusted.begin(), trusted.end());
  const std::vector<EntityPair> warm_start = model.bootstrapped;
  input.trusted = anchors;
  input.warm_start = warm_start;
  settings.rounds = std::min(settings.rounds, kRerunRounds);
  return graph::bootstrap_align(input, settings);
}

AnchorRounds ask_for_anchors(graph::BootstrapResult model, const graph::BootstrapInput& input,
                             const graph::BootstrapSettings& rerun_settings, bool use_names, const Table& left_table,
                             const Table& right_table, const DistillSettings& settings, StageTimer& timer) {
  AnchorRounds rounds;
  const std::size_t with_candidates = select::count_askable_queries(model.pairs, {});
  const std::size_t budget = select::budget_to_count(settings.teacher_budget, with_candidates);
  if (budget == 0) {
    rounds.model = std::move(model);
    return rounds;
  }
  teacher::TeacherOptions options = settings.teacher_options;
  options.seed = settings.seed;
  const std::unique_ptr<teacher::Teacher> teacher = teacher::make_teacher(settings.teacher, options);
  const std::vector<EntityPair> base_trusted(input.trusted.begin(), input.trusted.end());
  std::vector<std::uint8_t> asked(model.pairs.num_left, 0);
  std::size_t questions_asked = 0;
  std::vector<EntityPair> named_so_far;
  for (int round = 0; round < kAnchorRounds && questions_asked < budget; ++round) {
    std::vector<std::uint8_t> settled = asked;
    for (const auto& [left, right] : base_trusted) settled[left] = 1;
    // Entities the model already anchored are left out: confirming them added less than new anchors
    // (zh_en 0.65 against 0.69).
    for (const auto& [left, right] : model.bootstrapped) settled[left] = 1;
    const std::size_t count = (budget - questions_asked) / static_cast<std::size_t>(kAnchorRounds - round);
    const std::vector<std::uint32_t> queries = anchor_queries(model.pairs, *input.left, settled, count);
    if (queries.empty()) break;
    const std::vector<AnsweredPair> round_answers =
        ask_about(*teacher, model, queries, std::max(settings.teacher_candidates, kAnchorRoundCandidates), use_names, input,
                  left_table, right_table);
    questions_asked += queries.size();
    for (std::uint32_t query : queries) asked[query] = 1;
    std::size_t named = 0;
    for (const AnsweredPair& answer : round_answers) {
      rounds.answered.push_back(answer);
      if (answer.right >= 0) {
        named_so_far.emplace_back(answer.left, static_cast<std::uint32_t>(answer.right));
        ++named;
      }
    }
    if (static_cast<double>(queries.size()) < kMinRoundShareForRerun * static_cast<double>(with_candidates)) {
      rounds.anchors = confirmed_by_model(model, named_so_far);
      spdlog::info("seed-free anchor round {}: teacher asked about {} entities, {} named a match; no model re-run for "
                   "so few ({} of {} named matches confirmed)", round + 1, queries.size(), named, rounds.anchors.size(),
                   named_so_far.size());
      continue;
    }
    // Answers first: the teacher saw them one by one; the name anchors are only very similar names.
    // This round's answers are not checked yet; earlier ones count only if the last model confirmed them.
    std::vector<EntityPair> answers = rounds.anchors;
    answers.insert(answers.end(), named_so_far.end() - static_cast<std::ptrdiff_t>(named), named_so_far.end());
    model = rerun_with_anchors(input, rerun_settings, model, std::move(answers), base_trusted);
    rounds.anchors = confirmed_by_model(model, named_so_far);
    spdlog::info("seed-free anchor round {}: teacher asked about {} well-connected entities, {} named a match; model "
                 "re-run: {} anchors, {} of {} named matches confirmed ({:.2f} s)", round + 1, queries.size(), named,
                 model.anchors_per_round.back(), rounds.anchors.size(), named_so_far.size(), timer.finish("anchor_rounds"));
  }
  const nlohmann::json teacher_report = teacher->report();
  // For an LLM teacher a call is a request actually sent (cached answers cost nothing).
  rounds.calls = teacher_report.contains("called") ? teacher_report["called"].get<std::size_t>() : questions_asked;
  rounds.model = std::move(model);
  return rounds;
}

// Self-seeding (seed-free, where the first model was still growing): a model's most certain pairs
// (mutual best, highest assignment weight) are nearly all right (zh_en after the teacher: 40% of the
// entities 98.6% right, against ~83% of all its ~13,500 anchors). They seed a cold run as seed links
// would: trusted anchors, and settled, left out of the others' candidates, so the rest compete among
// fewer entities. That run's most certain pairs, a larger share, seed the next, and so on.
// - Before the anchor rounds, from the first model: the teacher is then shown better candidates.
//   zh_en seed-free Hits@1, mean of seeds 1-3: none 0.7944; shares 0.4 / 0.4, 0.55 / 0.3, 0.45 /
//   0.2, 0.35 / 0.1, 0.25: 0.8071 / 0.8123 / 0.8188 / 0.8206 / 0.8150 (the first four with 20
//   candidates shown, the rest with 30); 0.1, 0.2, 0.3: 0.8249; 0.2, 0.3, 0.4: 0.8267; 0.1, 0.2,
//   0.3, 0.4: 0.8250.
// - After the teacher, from the teacher's confirmed matches (first) and the final model's most
//   certain pairs: 0.4, 0.55, 0.7 (0.3, 0.45, 0.6: 0.8273, the same within the seeds' spread). Settling
//   the self-seeds instead of keeping them as candidates: 0.7888 -> 0.7944 with one schedule.
// Each cold run costs ~2-4 s on zh_en (8 rounds over the open entities only). Tried without gain:
// averaging a run's weights with the run before (-0.002), a last run over all entities (-0.001),
// floors 0 / 0.2 / 0.35 / 0.7 in the cold runs, 30 candidates, 5 rounds, Sinkhorn temperature 30.
constexpr std::array<double, 3> kSelfSeedSharesBeforeTeacher = {0.2, 0.3, 0.4};
constexpr std::array<double, 3> kSelfSeedSharesAfterTeacher = {0.4, 0.55, 0.7};

// The model's scores with the pairs the teacher named lifted above every other candidate.
std::vector<float> with_teacher_decisions(const candidates::CandidatePairs& pairs, std::span<const float> assignment,
                                          const std::vector<AnsweredPair>& answered) {
  std::vector<EntityPair> named = named_pairs(answered);
  std::sort(named.begin(), named.end());
  std::vector<float> scores(assignment.begin(), assignment.end());
  for (std::uint64_t pair = 0; pair < pairs.num_pairs(); ++pair) {
    if (std::binary_search(named.begin(), named.end(), EntityPair{pairs.left[pair], pairs.right[pair]})) scores[pair] += 1.0f;
  }
  return scores;
}

// Who decided each query of the final (re-run) model, for the explanations: the teacher where it named
// a match that is still a candidate, the structural model elsewhere; no student (it scored other pairs).
DistillResult teacher_routes(const candidates::CandidatePairs& pairs, const std::vector<AnsweredPair>& answered) {
  DistillResult result;
  result.routes.assign(pairs.num_left, route::Route::kCandidateScore);
  for (const AnsweredPair& answer : answered) {
    std::int64_t chosen = -1;
    if (answer.right >= 0) {
      const auto begin = pairs.right.begin() + static_cast<std::ptrdiff_t>(pairs.query_offsets[answer.left]);
      const auto end = pairs.right.begin() + static_cast<std::ptrdiff_t>(pairs.query_offsets[answer.left + 1]);
      const auto found = std::lower_bound(begin, end, static_cast<std::uint32_t>(answer.right));
      if (found == end || *found != static_cast<std::uint32_t>(answer.right)) continue;
      chosen = found - pairs.right.begin();
      result.routes[answer.left] = answer.route;
    }
    auto& list = answer.route == route::Route::kTeacher ? result.escalated_decisions : result.sample_decisions;
    list.push_back({answer.left, chosen, answer.explanation});
  }
  return result;
}

nlohmann::json run_config_json(const AlignConfig& config) {
  nlohmann::json json = {{"task", "align"},          {"kg1", config.kg1_path},         {"kg2", config.kg2_path},
                         {"seeds", config.seeds_path}, {"seed_share", config.seed_share}, {"gold_scope", config.gold_scope},
                         {"names", config.use_names},  {"rounds", config.model.rounds},   {"candidates", config.model.top_k}};
  json.update(distill_config_json(config.distill));
  return json;
}

// Writes the top-k candidates of every KG1 entity, and the pair of the one-to-one alignment where it
// ranks below k (it was missing: the file then did not hold the whole alignment).
void write_alignment(io::AtomicFile& file, const candidates::CandidatePairs& pairs, std::span<const float> scores,
                     const std::vector<resolve::Match>& one_to_one, const graph::KnowledgeGraph& left,
                     const graph::KnowledgeGraph& right, int top_k) {
  std::vector<std::int64_t> aligned_right(pairs.num_left, -1);
  for (const resolve::Match& match : one_to_one) aligned_right[match.left] = match.right;
  std::ostream& out = file.stream();
  out << "left_id,right_id,rank,score,one_to_one\n";
  const std::size_t k = static_cast<std::size_t>(top_k);
  for (const resolve::RankedCandidate& ranked :
       resolve::rank_candidates(pairs, scores, std::numeric_limits<std::size_t>::max())) {
    const bool aligned = aligned_right[ranked.left] == static_cast<std::int64_t>(ranked.right);
    if (ranked.rank > k && !aligned) continue;
    io::write_csv_field(out, left.entity_id(ranked.left));
    out << ',';
    io::write_csv_field(out, right.entity_id(ranked.right));
    out << ',' << ranked.rank << ',' << ranked.score << ',' << (aligned ? 1 : 0) << '\n';
  }
}

}  // namespace

void run_align(const AlignConfig& config) {
  check_distill_settings(config.distill);
  io::refuse_outputs_over_inputs(
      with_teacher_inputs({config.kg1_path, config.kg2_path, config.seeds_path, config.gold_path}, config.distill),
      with_teacher_outputs({{"--out", config.out_path}, {"--metrics", config.metrics_path}, {"--workspace", config.workspace_path}},
                           config.workspace_path, config.out_path, config.distill));
  refuse_builtin_teacher(config.distill, "align");
  if (config.output_top_k < 1) throw InputError("--top-k must be at least 1");
  // Both outputs are created now and committed together at the end: a --metrics path that cannot be
  // written fails before any work, and never after --out was replaced.
  io::AtomicFile out_file(config.out_path);
  std::optional<io::AtomicFile> metrics_file;
  if (!config.metrics_path.empty()) metrics_file.emplace(config.metrics_path);
  // The workspace is opened and the run begun before any work (as in match): a workspace that cannot
  // be used fails at once, not after the structural model, and a run that stops on an error is marked
  // "failed" in it, with the reason.
  std::optional<workspace::Workspace> run_workspace;
  std::int64_t run_id = 0;
  const std::string workspace_path = workspace_path_for(config.workspace_path, config.out_path, config.distill);
  if (!workspace_path.empty()) {
    run_workspace.emplace(workspace::Workspace::open(workspace_path));
    // A dry run uses the workspace only as the LLM teacher's cache: it records no run.
    if (!config.distill.dry_run) run_id = run_workspace->begin_run(run_config_json(config));
  }
  try {
    StageTimer timer;
    const graph::KnowledgeGraph left = io::read_knowledge_graph(config.kg1_path, 1);
    const graph::KnowledgeGraph right = io::read_knowledge_graph(config.kg2_path, 2);
    const Split split = split_links(config, left, right);
    // Without gold links the simulated teacher answered "none" to everything, and the run failed late.
    if (teacher::uses_simulated_teacher(config.distill.teacher) && split.all_links.empty()) {
      throw InputError("--teacher simulated:RATE answers from gold: give --gold");
    }
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
    // Structure alone has nothing to propagate from: no anchor, no candidate for the teacher to judge.
    if (seed_free && !config.use_names) throw InputError("a seed-free run starts from names: give --seeds or --seed-share, or drop --structure-only");
    if (seed_free && config.use_names) {
      trusted = name_anchors(names, query_rows, target_rows, config.name_anchor_min, config.model.top_k);
      spdlog::info("seed-free: {} mutual best name matches with similarity >= {} start the propagation", trusted.size(),
                   config.name_anchor_min);
    }
    graph::BootstrapSettings model_settings = config.model;
    // Seed-free, anchors are few and the name anchors only start the growth: a stricter floor keeps
    // wrong bootstrapped anchors out (zh_en Hits@1, 20 candidates shown: 0.66 at 0.5, 0.74 at 0.6, 0.72 at
    // 0.7, 0.69 at 0.8).
    if (!config.use_names) model_settings.name_weight = 0.0f;
    // Re-runs after teacher answers keep the seeded floor: by then most of the graph is anchored and the
    // anchors are mostly right (zh_en seed-free Hits@1 0.7715 -> 0.7781 against 0.6).
    const graph::BootstrapSettings rerun_settings = model_settings;
    if (seed_free) {
      model_settings.min_bootstrap_score = std::max(model_settings.min_bootstrap_score, kSeedFreeBootstrapFloor);
    }
    graph::BootstrapInput input{&left_adjacency, &right_adjacency, left.num_relations(), right.num_relations(),
                                config.use_names ? &names.left : nullptr, config.use_names ? &names.right : nullptr,
                                trusted, query_rows, target_rows, {}};
    graph::BootstrapResult model = graph::bootstrap_align(input, model_settings);
    const std::vector<std::size_t>& growth = model.anchors_per_round;
    const bool still_growing =
        seed_free && growth.size() >= 2 &&
        static_cast<double>(growth.back()) > (1.0 + kStillGrowing) * static_cast<double>(growth[growth.size() - 2]);
    if (still_growing) {
      graph::BootstrapInput continued = input;
      // The last round's own mutual best pairs: the run stopped before turning them into anchors.
      const std::vector<EntityPair> warm_start = graph::mutual_best_pairs(model.pairs, model.assignment, model_settings.min_bootstrap_score);
      continued.warm_start = warm_start;
      graph::BootstrapSettings more = model_settings;
      more.rounds = kMoreSeedFreeRounds;
      std::vector<std::size_t> anchors_per_round = model.anchors_per_round;
      model = graph::bootstrap_align(continued, more);
      anchors_per_round.insert(anchors_per_round.end(), model.anchors_per_round.begin(), model.anchors_per_round.end());
      model.anchors_per_round = std::move(anchors_per_round);
    }
    spdlog::info("structural model: {} rounds, anchors per round {}, {} candidate pairs ({:.2f} s)",
                 model.anchors_per_round.size(), fmt::join(model.anchors_per_round, " "), model.pairs.num_pairs(),
                 timer.finish("model"));
    // Said, not left for the user to find: such an entity has no row in the output.
    std::size_t without_candidates = 0;
    for (std::uint32_t row : query_rows) without_candidates += model.pairs.query_size(row) == 0;
    if (without_candidates > 0) {
      spdlog::warn("{} of {} KG1 entities to align have no candidate (no name or neighbour in common): no row in {}",
                   without_candidates, query_rows.size(), config.out_path);
    }

    const Table left_table = teacher_table(left, left_adjacency);
    const Table right_table = teacher_table(right, right_adjacency);
    DistillSettings settings = config.distill;
    if (teacher::uses_simulated_teacher(settings.teacher)) settings.teacher_options.simulated_gold = split.all_links;
    connect_teacher_outputs(settings, config.out_path, run_workspace ? &*run_workspace : nullptr);

    // Seed-free with a teacher: it is asked about well-connected entities first, in rounds, and its
    // answers become anchors of the next round (the seeds this run did not have).
    std::vector<EntityPair> teacher_anchors;
    std::vector<AnsweredPair> answered;
    std::size_t teacher_calls = 0;
    // A dry run skips them: its plan counts their questions as the training sample, which they are,
    // priced with as many candidates as they show (escalations show fewer: still a bound from above).
    if (seed_free && settings.dry_run) {
      settings.teacher_candidates = std::max(settings.teacher_candidates, kAnchorRoundCandidates);
    }
    if (seed_free && settings.teacher != "none" && !settings.dry_run) {
      // A better model first, so that the teacher is shown better candidates.
      if (still_growing) {
        model = graph::self_seeded(input, rerun_settings, std::move(model), {}, kSelfSeedSharesBeforeTeacher);
        spdlog::info("seed-free: {} cold runs seeded with the model's most certain {:.0f}% to {:.0f}% ({:.2f} s)",
                     kSelfSeedSharesBeforeTeacher.size(), 100 * kSelfSeedSharesBeforeTeacher.front(),
                     100 * kSelfSeedSharesBeforeTeacher.back(), timer.finish("self_seeded_before_teacher"));
      }
      AnchorRounds rounds = ask_for_anchors(std::move(model), input, rerun_settings, config.use_names, left_table, right_table,
                                            settings, timer);
      model = std::move(rounds.model);
      teacher_anchors = std::move(rounds.anchors);
      answered = std::move(rounds.answered);
      teacher_calls = rounds.calls;
    }

    // The teacher and the student see the model's order: its assignment weight is the blocking score.
    candidates::CandidatePairs pairs = model.pairs;
    std::vector<float> fused = pairs.score;
    pairs.score = model.assignment;
    features::EntityPairInputs feature_inputs{&model.views, config.use_names, &left_adjacency, &right_adjacency, fused,
                                              model.assignment};
    features::FeatureMatrix features = features::entity_pair_features(pairs, feature_inputs);
    // Seed links, or seed-free the teacher's anchor answers, are labels the student learns from.
    const std::vector<EntityPair>& labelled = seed_free ? teacher_anchors : split.seeds;
    std::optional<KnownLabels> known;
    if (!labelled.empty()) known = seed_labels(labelled, model, target_rows, feature_inputs, model_settings);
    timer.finish("features");

    std::vector<float> scores = model.assignment;
    nlohmann::json report = nlohmann::json::object();
    DistillResult distilled;
    distilled.routes.assign(pairs.num_left, route::Route::kCandidateScore);
    if (settings.teacher != "none") {
      // Seed-free, the anchor rounds spent the sample budget; the student learns from their answers.
      if (seed_free && known) settings.teacher_budget = 0.0;
      const teacher::MatchProblem problem{&left_table, &right_table, &pairs, &features};
      distilled = distill(problem, known ? &*known : nullptr, settings, timer);
      if (distilled.stopped_before_training) {
        if (settings.dry_run && metrics_file) {
          write_metrics(*metrics_file, {{"plan", distilled.report.value("plan", nlohmann::json())}});
          metrics_file->commit();
        }
        // A batch run ends here, done: its requests are written and wait for their import.
        if (!settings.dry_run && run_workspace) run_workspace->finish_run(run_id, distilled.report);
        return;
      }
      teacher_calls += distilled.teacher_calls;
      report = distilled.report;
      scores = distilled.scores;
      if (seed_free) {
        // The answers are anchors too: propagate from all of them once more, continuing from the
        // model's own anchors. Queries the teacher decided keep its decision on top.
        // The anchor rounds' answers count as far as the model confirmed them; distill()'s answers are new.
        const std::size_t first_new = answered.size();
        for (const TeacherDecision& decision : distilled.sample_decisions) {
          answered.push_back(answered_pair(pairs, decision, route::Route::kSample));
        }
        for (const TeacherDecision& decision : distilled.escalated_decisions) {
          answered.push_back(answered_pair(pairs, decision, route::Route::kTeacher));
        }
        std::vector<EntityPair> teacher_matches = teacher_anchors;
        for (std::size_t idx = first_new; idx < answered.size(); ++idx) {
          if (answered[idx].right >= 0) teacher_matches.emplace_back(answered[idx].left, static_cast<std::uint32_t>(answered[idx].right));
        }
        model = rerun_with_anchors(input, rerun_settings, model, teacher_matches, trusted);
        // A model that converged early (fr_en, Hits@1 0.993) has little to gain, and its cold runs would
        // cost most (fr_en's 3-round re-runs take ~11 s each). Starting the cold runs without this re-run
        // saved ~5 s but gave 0.8007 against 0.8044 (two cold runs then).
        if (still_growing) {
          model = graph::self_seeded(input, rerun_settings, std::move(model), teacher_matches, kSelfSeedSharesAfterTeacher);
          spdlog::info("seed-free: model re-run with the teacher's answers, then {} cold runs seeded with them and the model's "
                       "most certain {:.0f}% to {:.0f}% ({:.2f} s)", kSelfSeedSharesAfterTeacher.size(),
                       100 * kSelfSeedSharesAfterTeacher.front(), 100 * kSelfSeedSharesAfterTeacher.back(),
                       timer.finish("self_seeded_after_teacher"));
        }
        pairs = model.pairs;
        fused = pairs.score;
        pairs.score = model.assignment;
        scores = with_teacher_decisions(pairs, model.assignment, answered);
        distilled = teacher_routes(pairs, answered);
        feature_inputs = {&model.views, config.use_names, &left_adjacency, &right_adjacency, fused, model.assignment};
        features = features::entity_pair_features(pairs, feature_inputs);
        spdlog::info("seed-free: {} teacher answers named a match; model re-run ({:.2f} s)", named_count(answered),
                     timer.finish("model_with_teacher_anchors"));
      }
    }

    const std::vector<resolve::Match> one_to_one =
        resolve::resolve_matches(pairs, scores, resolve::ResolveMethod::kUniqueMapping, 0.0f);
    write_alignment(out_file, pairs, scores, one_to_one, left, right, config.output_top_k);
    timer.finish("write");
    // Explanations are for the workspace only (the alignment file has none), written as they are made.
    std::optional<workspace::Workspace::ExplanationWriter> stored_explanations;
    if (run_workspace) {
      if (distilled.student) run_workspace->store_model(run_id, distilled.student_model_json, features.names);
      stored_explanations.emplace(run_workspace->write_explanations(run_id));
      const teacher::MatchProblem final_problem{&left_table, &right_table, &pairs, &features};
      explain_decisions(final_problem, distilled, decisions_of(pairs, scores, pairs_of(pairs, one_to_one)), true,
                        [&](const ExplainedChunk& chunk) { stored_explanations->add(chunk.explanations); });
    }
    timer.finish("explain");

    nlohmann::json metrics;
    metrics["task"] = "align";
    metrics["kg1"] = {{"path", config.kg1_path}, {"entities", left.num_entities()}, {"triples", left.triples().size()}};
    metrics["kg2"] = {{"path", config.kg2_path}, {"entities", right.num_entities()}, {"triples", right.triples().size()}};
    metrics["seeds"] = split.seeds.size();
    metrics["seed_free"] = seed_free;
    metrics["names"] = config.use_names;
    metrics["gold_scope"] = config.gold_scope;
    metrics["entities_without_candidates"] = without_candidates;
    // The distillation's report (teacher, routing, plan, student) at the top, as match and link write it.
    metrics.update(report);
    metrics["teacher"]["spec"] = config.distill.teacher;
    metrics["teacher_calls"] = teacher_calls;
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
    timer.record_costs(metrics);
    // Written out first, then the run recorded, then the outputs appear together (as in match).
    if (metrics_file) write_metrics(*metrics_file, metrics);
    out_file.prepare();
    if (run_workspace) {
      std::vector<workspace::Workspace::Match> stored;
      stored.reserve(one_to_one.size());
      for (const auto& match : one_to_one) stored.emplace_back(left.entity_id(match.left), right.entity_id(match.right), match.score);
      record_finished_run(*run_workspace, run_id, stored, *stored_explanations, metrics);
    }
    io::commit_together({metrics_file ? &*metrics_file : nullptr, &out_file});
  } catch (...) {
    if (run_workspace && run_id > 0) record_failed_run(*run_workspace, run_id, std::current_exception());
    throw;
  }
}

}  // namespace matchmaker::pipeline
