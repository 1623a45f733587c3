#include "pipeline/link_job.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <unordered_map>

#include "eval/gold.h"
#include "eval/metrics.h"
#include "features/mention_features.h"
#include "io/atomic_file.h"
#include "io/table_reader.h"
#include "matchmaker/error.h"
#include "pipeline/run_record.h"
#include "pipeline/teacher_files.h"
#include "resolve/ranking.h"
#include "teacher/teacher.h"
#include "text/strings.h"

namespace matchmaker::pipeline {
namespace {

using GoldPairs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

constexpr std::size_t kSynonymsShown = 8;  // per concept in the table the teacher sees
// Non-matches kept per labelled query (pseudo-mention or confident mention): the retriever's best
// ranks. Lower ranks are easy and only slow training (NCBI test: 10 = all 20 in accuracy, half the rows).
constexpr std::uint16_t kNegativesPerQuery = 10;

// Concept rows by each of their single ids ("C567755|613097" is found under both).
std::unordered_multimap<std::string_view, std::uint32_t> concepts_by_id(const io::Dictionary& dictionary) {
  std::unordered_multimap<std::string_view, std::uint32_t> index;
  for (std::size_t concept_row = 0; concept_row < dictionary.num_concepts(); ++concept_row) {
    for (const auto id : io::split_concept_ids(dictionary.concept_ids[concept_row])) {
      index.emplace(id, static_cast<std::uint32_t>(concept_row));
    }
  }
  return index;
}

// What the teacher sees of a concept: id, preferred name, a few synonyms.
Table concept_table(const io::Dictionary& dictionary) {
  Table table(dictionary.source, {"id", "name", "synonyms"}, 0);
  std::string synonyms;
  for (std::size_t concept_row = 0; concept_row < dictionary.num_concepts(); ++concept_row) {
    const std::uint64_t first = dictionary.concept_offsets[concept_row], last = dictionary.concept_offsets[concept_row + 1];
    synonyms.clear();
    for (std::uint64_t name = first + 1; name < last && name < first + 1 + kSynonymsShown; ++name) {
      if (!synonyms.empty()) synonyms += "; ";
      synonyms += dictionary.names[name];
    }
    const std::array<std::string_view, 3> cells{dictionary.concept_ids[concept_row], dictionary.names[first], synonyms};
    table.append_row(cells);
  }
  return table;
}

// Gold ids per mention row from --gold: the mentions file itself (or another file in a benchmark
// layout with the same ids), or a CSV/TSV whose first two columns are mention id and concept id
// (several rows per mention allowed).
std::vector<std::string> read_gold_ids(const std::string& path, const io::MentionSet& mentions,
                                       io::MentionFormat mention_format, const std::string& mentions_path) {
  if (std::filesystem::exists(path) && std::filesystem::exists(mentions_path) &&
      std::filesystem::equivalent(path, mentions_path)) {
    return mentions.gold;
  }
  const auto mention_rows = mentions.table.id_index();
  std::vector<std::string> gold(mentions.table.num_rows());
  const auto extension = text::lower_extension(path);
  if (std::filesystem::is_directory(path) || extension == ".concept" ||
      (extension == ".txt" && mention_format != io::MentionFormat::kTable)) {
    const io::MentionSet other = io::read_mentions(path);
    for (std::size_t row = 0; row < other.table.num_rows(); ++row) {
      const auto found = mention_rows.find(other.table.id(row));
      if (found == mention_rows.end()) {
        throw InputError::At(path, 0, "gold mention id " + std::string(other.table.id(row)) + " is not in the mentions");
      }
      gold[found->second] = other.gold[row];
    }
    return gold;
  }
  const Table table = eval::read_gold_table(path, "mention id, concept id");
  eval::refuse_headerless_gold(path, table, mention_rows.contains(table.columns()[0]));
  for (std::size_t row = 0; row < table.num_rows(); ++row) {
    const auto found = mention_rows.find(table.cell(row, 0));
    if (found == mention_rows.end()) {
      throw InputError::At(path, row + 2, "mention id " + std::string(table.cell(row, 0)) + " is not in the mentions");
    }
    std::string& ids = gold[found->second];
    if (!ids.empty()) ids += "|";
    ids += table.cell(row, 1);
  }
  return gold;
}

// Retrieval keys of the mentions, abbreviations expanded (with the context column when there is one).
std::vector<std::string> mention_keys(const io::MentionSet& mentions, const candidates::ConceptRetriever& retriever) {
  const int context_column = mentions.table.find_column("context");
  std::vector<std::string> keys(mentions.table.num_rows());
#pragma omp parallel for schedule(dynamic, 256)
  for (std::size_t row = 0; row < keys.size(); ++row) {
    const std::string_view context =
        context_column >= 0 ? mentions.table.cell(row, static_cast<std::size_t>(context_column)) : std::string_view();
    keys[row] = retriever.expand_abbreviations(candidates::retrieval_key(mentions.table.cell(row, 1)), context);
  }
  return keys;
}

struct UniqueKeys {
  std::vector<std::string> keys;          // distinct retrieval keys, in order of first appearance
  std::vector<std::uint32_t> first_row;   // per key: the first mention row holding it
  std::vector<std::uint32_t> key_of_row;  // per mention row: its index in `keys`
};

// Mentions are one query when their retrieval keys and their contexts (if the table has any) agree:
// a teacher shown the context may answer two contexts differently.
UniqueKeys unique_keys(const std::vector<std::string>& keys, const Table& mentions) {
  const int context_column = mentions.find_column("context");
  UniqueKeys unique;
  unique.key_of_row.reserve(keys.size());
  std::unordered_map<std::string, std::uint32_t> index;
  index.reserve(keys.size());
  std::string joined;
  for (std::size_t row = 0; row < keys.size(); ++row) {
    joined = keys[row];
    if (context_column >= 0) {
      joined.push_back('\n');
      joined.append(mentions.cell(row, static_cast<std::size_t>(context_column)));
    }
    const auto [slot, inserted] = index.try_emplace(joined, static_cast<std::uint32_t>(unique.keys.size()));
    if (inserted) {
      unique.keys.push_back(keys[row]);
      unique.first_row.push_back(static_cast<std::uint32_t>(row));
    }
    unique.key_of_row.push_back(slot->second);
  }
  return unique;
}

Table first_rows(const Table& table, const std::vector<std::uint32_t>& rows) {
  Table subset(table.source(), table.columns(), table.id_column());
  std::vector<std::string_view> cells(table.num_columns());
  for (const std::uint32_t row : rows) {
    for (std::size_t column = 0; column < cells.size(); ++column) cells[column] = table.cell(row, column);
    subset.append_row(cells);
  }
  return subset;
}

// Self-training: a distinct mention whose retrieval is confident (best score >= kConfidentScore and
// ahead of the second by kConfidentLead) labels its best candidate a match and the others non-matches.
// AskAPatient folds 0-2 with simulated:0.1: Acc@1 +0.004 to +0.011 (minimum score 0.5-0.9 alike).
constexpr float kConfidentScore = 0.7f;
constexpr float kConfidentLead = 0.1f;
std::size_t add_confident_retrievals(KnownLabels& known, const features::FeatureMatrix& features,
                                     const candidates::CandidatePairs& pairs) {
  std::size_t added = 0;
  const std::size_t width = features.num_features();
  if (known.features.names.empty()) {
    known.features.names = features.names;
    known.features.monotone = features.monotone;
  }
  for (std::size_t query = 0; query < pairs.num_left; ++query) {
    const std::uint64_t first = pairs.query_offsets[query], last = pairs.query_offsets[query + 1];
    if (last - first < 2) continue;
    std::uint64_t best = first;
    float second = 0;
    for (std::uint64_t pair = first; pair < last; ++pair) {
      if (pairs.rank_in_left[pair] == 1) best = pair;
      if (pairs.rank_in_left[pair] == 2) second = pairs.score[pair];
    }
    if (pairs.score[best] < kConfidentScore || pairs.score[best] - second < kConfidentLead) continue;
    ++added;
    for (std::uint64_t pair = first; pair < last; ++pair) {
      if (pairs.rank_in_left[pair] > kNegativesPerQuery) continue;
      known.features.values.insert(known.features.values.end(), features.row(pair), features.row(pair) + width);
      known.labels.push_back(pair == best ? 1.0f : 0.0f);
      known.weights.push_back(1.0f);
    }
  }
  known.features.num_rows = known.labels.size();
  return added;
}

// Teacher budgets given as shares are shares of the mentions; the queries are the distinct mentions,
// fewer: the shares become counts so that repeats do not shrink what the teacher may be asked.
DistillSettings per_distinct_mention(DistillSettings settings, std::size_t num_mentions) {
  const auto count_of = [&](double share) { return std::floor(share * static_cast<double>(num_mentions)); };
  if (settings.teacher_budget > 0 && settings.teacher_budget <= 1.0) {
    // A count of one would read as a share of 100%: below two the share stays, a share of the distinct
    // mentions (as many calls or fewer).
    const double count = count_of(settings.teacher_budget);
    if (count >= 2) settings.teacher_budget = count;
  }
  if (settings.escalation.share) {
    const auto calls = static_cast<std::int64_t>(count_of(*settings.escalation.share));
    settings.escalation.max_calls = settings.escalation.max_calls ? std::min(*settings.escalation.max_calls, calls) : calls;
    settings.escalation.share.reset();
  }
  return settings;
}

// The candidates of distinct keys spread back over the mention rows that hold them.
candidates::ConceptCandidates per_row(const candidates::ConceptCandidates& unique, const std::vector<std::uint32_t>& key_of_row) {
  candidates::ConceptCandidates rows;
  candidates::CandidatePairs& pairs = rows.pairs;
  pairs.num_left = key_of_row.size();
  pairs.num_right = unique.pairs.num_right;
  pairs.query_offsets.assign(key_of_row.size() + 1, 0);
  for (std::size_t row = 0; row < key_of_row.size(); ++row) {
    const std::uint32_t key = key_of_row[row];
    for (std::uint64_t pair = unique.pairs.query_offsets[key]; pair < unique.pairs.query_offsets[key + 1]; ++pair) {
      pairs.left.push_back(static_cast<std::uint32_t>(row));
      pairs.right.push_back(unique.pairs.right[pair]);
      pairs.score.push_back(unique.pairs.score[pair]);
      pairs.rank_in_left.push_back(unique.pairs.rank_in_left[pair]);
      pairs.rank_in_right.push_back(unique.pairs.rank_in_right[pair]);
      rows.best_name.push_back(unique.best_name[pair]);
    }
    pairs.query_offsets[row + 1] = pairs.left.size();
  }
  return rows;
}

// Scores of the distinct keys' pairs copied to the mention rows' pairs (same order per query).
std::vector<float> per_row(const std::vector<float>& unique_scores, const candidates::CandidatePairs& unique_pairs,
                           const candidates::CandidatePairs& row_pairs, const std::vector<std::uint32_t>& key_of_row) {
  std::vector<float> scores(row_pairs.num_pairs());
  for (std::size_t row = 0; row < key_of_row.size(); ++row) {
    std::copy_n(unique_scores.begin() + static_cast<std::ptrdiff_t>(unique_pairs.query_offsets[key_of_row[row]]),
                row_pairs.query_size(row), scores.begin() + static_cast<std::ptrdiff_t>(row_pairs.query_offsets[row]));
  }
  return scores;
}

nlohmann::json accuracy_json(const LinkAccuracy& accuracy, const eval::RankingMetrics& parts) {
  return {{"mentions", accuracy.mentions},   {"acc_at_1", accuracy.acc_at_1}, {"acc_at_5", accuracy.acc_at_5},
          {"parts", parts.queries},          {"part_acc_at_1", parts.hits_at_1},
          {"part_acc_at_5", parts.hits_at_5}, {"part_mrr", parts.mrr}};
}

// Without a teacher the known labels are all a student learns from: they must hold both classes.
bool has_both_classes(const KnownLabels& known) {
  const auto positives = static_cast<std::size_t>(std::count_if(known.labels.begin(), known.labels.end(), [](float label) { return label > 0; }));
  return positives > 0 && positives < known.labels.size();
}

std::string mode_name(const LinkConfig& config) {
  if (config.reranker == "none") return "retriever";
  std::string mode = config.train_mentions_path.empty() ? "label-free" : "supervised";
  mode += config.distill.teacher == "none" ? " (dictionary self-supervision)" : " (teacher " + config.distill.teacher + ")";
  return mode;
}

}  // namespace

io::Dictionary with_mentions_as_synonyms(const io::Dictionary& dictionary, const io::MentionSet& mentions,
                                         std::size_t& unmatched) {
  const auto index = concepts_by_id(dictionary);
  std::vector<std::vector<std::string_view>> extra(dictionary.num_concepts());
  unmatched = 0;
  std::vector<std::uint32_t> targets;
  for (std::size_t row = 0; row < mentions.table.num_rows(); ++row) {
    targets.clear();
    for (const auto id : io::split_concept_ids(mentions.gold[row])) {
      const auto [first, last] = index.equal_range(id);
      for (auto it = first; it != last; ++it) targets.push_back(it->second);
    }
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    // A part of a composite ("breast and ovarian cancer") carries every concept of the composite: as
    // a synonym of each it would make "breast cancer" a name of ovarian cancer.
    if (targets.size() != 1) {
      ++unmatched;
      continue;
    }
    extra[targets.front()].push_back(mentions.table.cell(row, 1));
  }
  io::Dictionary augmented;
  augmented.source = dictionary.source;
  augmented.concept_ids = dictionary.concept_ids;
  augmented.skipped_obsolete = dictionary.skipped_obsolete;
  augmented.concept_offsets.push_back(0);
  for (std::size_t concept_row = 0; concept_row < dictionary.num_concepts(); ++concept_row) {
    const auto first = dictionary.names.begin() + static_cast<std::ptrdiff_t>(dictionary.concept_offsets[concept_row]);
    const auto last = dictionary.names.begin() + static_cast<std::ptrdiff_t>(dictionary.concept_offsets[concept_row + 1]);
    augmented.names.insert(augmented.names.end(), first, last);
    for (const auto name : extra[concept_row]) {
      if (std::find(first, last, name) == last) augmented.names.emplace_back(name);
    }
    augmented.name_concept.resize(augmented.names.size(), static_cast<std::uint32_t>(concept_row));
    augmented.concept_offsets.push_back(augmented.names.size());
  }
  return augmented;
}

GoldPairs gold_concept_pairs(const io::Dictionary& dictionary, const std::vector<std::string>& gold) {
  const auto index = concepts_by_id(dictionary);
  GoldPairs pairs;
  for (std::size_t row = 0; row < gold.size(); ++row) {
    for (const auto id : io::split_concept_ids(gold[row])) {
      const auto [first, last] = index.equal_range(id);
      for (auto it = first; it != last; ++it) pairs.emplace_back(static_cast<std::uint32_t>(row), it->second);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  return pairs;
}

KnownLabels dictionary_self_supervision(const candidates::ConceptRetriever& retriever, std::size_t max_queries,
                                        std::uint64_t seed, const std::vector<std::uint32_t>& always_used) {
  const io::Dictionary& dictionary = retriever.dictionary();
  std::vector<std::uint32_t> sampled = always_used;
  std::vector<std::uint32_t> pool;
  std::vector<std::uint8_t> taken(dictionary.num_names(), 0);
  for (const std::uint32_t name : always_used) taken[name] = 1;
  for (std::size_t name = 0; name < dictionary.num_names(); ++name) {
    if (!taken[name] && dictionary.concept_size(dictionary.name_concept[name]) >= 2) pool.push_back(static_cast<std::uint32_t>(name));
  }
  std::mt19937_64 random(seed);
  std::shuffle(pool.begin(), pool.end(), random);
  for (const std::uint32_t name : pool) {
    if (sampled.size() >= max_queries) break;
    sampled.push_back(name);
  }
  std::vector<std::string> keys;
  keys.reserve(sampled.size());
  for (const std::uint32_t name : sampled) keys.push_back(retriever.name_keys()[name]);
  const candidates::QueryVectors vectors = retriever.encode(keys);
  const candidates::ConceptCandidates found = retriever.retrieve_with_substitutes(keys, vectors, sampled);
  const features::FeatureMatrix all = features::compute_mention_features(retriever, {keys, &vectors, &found, sampled});

  // Only pseudo-mentions whose own concept was retrieved teach anything about ranking it.
  KnownLabels known;
  known.features.names = all.names;
  known.features.monotone = all.monotone;
  const std::size_t width = all.num_features();
  for (std::size_t query = 0; query < sampled.size(); ++query) {
    const std::uint32_t own_concept = dictionary.name_concept[sampled[query]];
    const std::uint64_t first = found.pairs.query_offsets[query], last = found.pairs.query_offsets[query + 1];
    if (std::none_of(found.pairs.right.begin() + static_cast<std::ptrdiff_t>(first),
                     found.pairs.right.begin() + static_cast<std::ptrdiff_t>(last),
                     [&](std::uint32_t concept_row) { return concept_row == own_concept; })) {
      continue;
    }
    for (std::uint64_t pair = first; pair < last; ++pair) {
      if (found.pairs.right[pair] != own_concept && found.pairs.rank_in_left[pair] > kNegativesPerQuery) continue;
      known.features.values.insert(known.features.values.end(), all.row(pair), all.row(pair) + width);
      known.labels.push_back(found.pairs.right[pair] == own_concept ? 1.0f : 0.0f);
      known.weights.push_back(1.0f);
    }
  }
  known.features.num_rows = known.labels.size();
  return known;
}

LinkAccuracy link_accuracy(const io::MentionSet& mentions, const std::vector<std::string>& gold_ids,
                           const candidates::CandidatePairs& pairs,
                           const std::vector<float>& scores, const GoldPairs& gold) {
  // Worst part rank per mention (kMissed: a part whose gold the candidates lack; 0: no part seen yet),
  // over mentions with gold.
  constexpr std::size_t kMissed = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> worst(mentions.num_source_mentions, 0);
  std::vector<std::uint8_t> has_gold(mentions.num_source_mentions, 0);
  for (std::size_t row = 0; row < mentions.table.num_rows(); ++row) {
    const auto first_gold = std::lower_bound(gold.begin(), gold.end(), std::pair<std::uint32_t, std::uint32_t>{row, 0});
    const std::uint32_t source = mentions.source_mention[row];
    if (gold_ids[row].empty()) continue;
    has_gold[source] = 1;
    std::size_t best_rank = kMissed;
    if (row < pairs.num_left) {
      for (std::uint64_t pair = pairs.query_offsets[row]; pair < pairs.query_offsets[row + 1]; ++pair) {
        if (!std::binary_search(first_gold, gold.end(), std::pair<std::uint32_t, std::uint32_t>{row, pairs.right[pair]})) continue;
        std::size_t rank = 1;
        for (std::uint64_t other = pairs.query_offsets[row]; other < pairs.query_offsets[row + 1]; ++other) {
          rank += scores[other] > scores[pair] || (scores[other] == scores[pair] && pairs.right[other] < pairs.right[pair]);
        }
        best_rank = std::min(best_rank, rank);
      }
    }
    worst[source] = std::max(worst[source], best_rank);
  }
  LinkAccuracy accuracy;
  for (std::size_t source = 0; source < worst.size(); ++source) {
    if (!has_gold[source]) continue;
    ++accuracy.mentions;
    accuracy.acc_at_1 += worst[source] <= 1;
    accuracy.acc_at_5 += worst[source] <= 5;
  }
  if (accuracy.mentions > 0) {
    accuracy.acc_at_1 /= static_cast<double>(accuracy.mentions);
    accuracy.acc_at_5 /= static_cast<double>(accuracy.mentions);
  }
  return accuracy;
}

namespace {

nlohmann::json link_config_json(const LinkConfig& config) {
  nlohmann::json json = {{"task", "link"},
                         {"mentions", config.mentions_path},     {"dictionary", config.dictionary_path},
                         {"reranker", config.reranker},          {"candidates", config.retriever.top_k},
                         {"output_k", config.output_k},          {"train_mentions", config.train_mentions_path},
                         {"retrieval_weight", config.retrieval_weight},
                         {"self_supervision_queries", config.self_supervision_queries},
                         {"feature_set", features::kMentionFeatureSetName}};
  json.update(distill_config_json(config.distill));
  return json;
}

// The link itself, once the options are checked. An LLM teacher's answers go to `workspace` (null
// without one); `run_id` is the run recorded there (0: none, as in a dry run).
void link_mentions(const LinkConfig& config, workspace::Workspace* workspace, std::int64_t run_id) {
  const bool simulated = teacher::uses_simulated_teacher(config.distill.teacher);
  std::optional<io::AtomicFile> out_file;
  out_file.emplace(config.out_path);
  std::optional<io::AtomicFile> metrics_file;
  if (!config.metrics_path.empty()) metrics_file.emplace(config.metrics_path);

  StageTimer timer;
  const io::MentionSet mentions = io::read_mentions(config.mentions_path, config.mention_format);
  io::Dictionary dictionary = io::read_dictionary(config.dictionary_path, config.dictionary_format);
  std::vector<std::string> gold_ids;
  // A file of mentions without their concept ids scored "Acc@1 0 over 0 mentions", and trained
  // nothing while naming the run supervised.
  const auto refuse_without_ids = [](const std::string& path, const std::vector<std::string>& ids) {
    if (std::all_of(ids.begin(), ids.end(), [](const std::string& id) { return id.empty(); })) {
      throw InputError::At(path, 0, "holds no gold concept ids (a mentions file without them?)");
    }
  };
  if (!config.gold_path.empty()) {
    gold_ids = read_gold_ids(config.gold_path, mentions, config.mention_format, config.mentions_path);
    refuse_without_ids(config.gold_path, gold_ids);
  }
  nlohmann::json metrics;
  metrics["mode"] = mode_name(config);
  std::vector<std::uint32_t> training_names;  // supervised mode: synonyms taken from the training split
  if (!config.train_mentions_path.empty()) {
    const io::MentionSet training = io::read_mentions(config.train_mentions_path);
    refuse_without_ids(config.train_mentions_path, training.gold);
    std::size_t unmatched = 0;
    const std::size_t names_before = dictionary.num_names();
    io::Dictionary augmented = with_mentions_as_synonyms(dictionary, training, unmatched);
    // The new synonyms are the supervised pseudo-mentions: they come from real mentions.
    std::vector<std::uint8_t> was_name(augmented.num_names(), 0);
    std::size_t old_name = 0;
    for (std::size_t name = 0; name < augmented.num_names() && old_name < names_before; ++name) {
      if (augmented.names[name] == dictionary.names[old_name] && augmented.name_concept[name] == dictionary.name_concept[old_name]) {
        was_name[name] = 1;
        ++old_name;
      }
    }
    for (std::size_t name = 0; name < augmented.num_names(); ++name) {
      if (!was_name[name]) training_names.push_back(static_cast<std::uint32_t>(name));
    }
    spdlog::info("supervised: {} training mentions, {} new synonyms, {} naming no concept of the dictionary",
                 training.table.num_rows(), training_names.size(), unmatched);
    metrics["supervised"] = {{"training_mentions", training.table.num_rows()}, {"new_synonyms", training_names.size()},
                             {"unmatched", unmatched}};
    dictionary = std::move(augmented);
  }
  if (dictionary.skipped_obsolete > 0) spdlog::info("dictionary: {} obsolete terms left out", dictionary.skipped_obsolete);
  spdlog::info("loaded {} mention parts ({} mentions), {} concepts with {} names ({:.2f} s)", mentions.table.num_rows(),
               mentions.num_source_mentions, dictionary.num_concepts(), dictionary.num_names(), timer.finish("load"));

  const candidates::ConceptRetriever retriever(dictionary, config.retriever);
  const std::vector<std::string> keys = mention_keys(mentions, retriever);
  // Repeated mentions ("breast cancer" in many abstracts) are retrieved, described, asked about and
  // decided once: the distinct mentions are the queries, their answers go to every repeat.
  const UniqueKeys unique = unique_keys(keys, mentions.table);
  const candidates::QueryVectors vectors = retriever.encode(unique.keys);
  const candidates::ConceptCandidates unique_found = retriever.retrieve_with_substitutes(unique.keys, vectors);
  const candidates::CandidatePairs& unique_pairs = unique_found.pairs;
  const candidates::ConceptCandidates found = per_row(unique_found, unique.key_of_row);
  const candidates::CandidatePairs& pairs = found.pairs;
  spdlog::info("retrieval: {} distinct of {} mention parts, {} candidate pairs ({:.2f} s)", unique.keys.size(), keys.size(),
               unique_pairs.num_pairs(), timer.finish("candidates"));
  // Said, not left for the user to find: such a mention has no row in the output.
  std::size_t without_candidates = 0;
  for (std::size_t row = 0; row < pairs.num_left; ++row) without_candidates += pairs.query_size(row) == 0;
  metrics["mentions_without_candidates"] = without_candidates;
  if (without_candidates > 0) {
    spdlog::warn("{} of {} mention parts share no word or 3-gram with any concept name: no candidate, no row in {}",
                 without_candidates, pairs.num_left, config.out_path);
  }

  const GoldPairs gold = gold_concept_pairs(dictionary, gold_ids);
  std::vector<float> unique_scores = unique_pairs.score;
  DistillResult distilled;
  if (config.reranker != "none") {
    const features::FeatureMatrix features =
        features::compute_mention_features(retriever, {unique.keys, &vectors, &unique_found});
    KnownLabels known =
        dictionary_self_supervision(retriever, std::max(config.self_supervision_queries, training_names.size()),
                                    config.distill.seed, training_names);
    // A dictionary with one name per concept (AskAPatient) teaches nothing about ranking: the mentions
    // the retriever is sure of stand in (self-training).
    std::size_t self_training = 0;
    if (std::none_of(known.labels.begin(), known.labels.end(), [](float label) { return label > 0; })) {
      self_training = add_confident_retrievals(known, features, unique_pairs);
      spdlog::info("self-training: {} mentions with a confident retrieval", self_training);
    }
    spdlog::info("features: {} pairs; self-supervision: {} labelled pairs ({:.2f} s)", features.num_rows,
                 known.labels.size(), timer.finish("features"));
    const Table concepts = concept_table(dictionary);
    const Table unique_mentions = first_rows(mentions.table, unique.first_row);
    teacher::MatchProblem problem{&unique_mentions, &concepts, &unique_pairs, &features};
    DistillSettings run_settings = per_distinct_mention(config.distill, keys.size());
    connect_teacher_outputs(run_settings, config.out_path, workspace);
    if (simulated) {
      std::vector<std::string> unique_gold(unique.first_row.size());
      for (std::size_t key = 0; key < unique_gold.size(); ++key) unique_gold[key] = gold_ids[unique.first_row[key]];
      run_settings.teacher_options.simulated_gold = gold_concept_pairs(dictionary, unique_gold);
    }
    if (run_settings.teacher == "none" && !has_both_classes(known)) {
      // Nothing to learn from: the retriever's order stands (every query is the student's route).
      spdlog::warn("neither the dictionary (concepts with several names) nor confident retrievals gave labels: "
                   "ranking by retrieval; give a --teacher to re-rank");
      distilled.scores = unique_pairs.score;
      distilled.routes.assign(unique_pairs.num_left, route::Route::kStudent);
      distilled.report = nlohmann::json::object();
    } else {
      distilled = distill(problem, &known, run_settings, timer);
      if (distilled.stopped_before_training) {
        if (run_settings.dry_run && metrics_file) {
          write_metrics(*metrics_file, {{"plan", distilled.report.value("plan", nlohmann::json())}});
          metrics_file->commit();
        }
        // A batch run ends here, done: its requests are written and wait for their import.
        if (!run_settings.dry_run && workspace != nullptr && run_id > 0) workspace->finish_run(run_id, distilled.report);
        return;
      }
    }
    unique_scores = distilled.scores;
    // The student's probabilities saturate near 0 and 1; below its first choice their order says less
    // than the retriever's scores. Adding the retrieval score keeps a confident student's first choice
    // and orders the rest mostly by retrieval (NCBI test Acc@5 0.944 -> 0.951 at equal Acc@1). The
    // teacher's decisions stand as the router merged them.
    for (std::size_t pair = 0; pair < unique_scores.size(); ++pair) {
      if (distilled.routes[unique_pairs.left[pair]] == route::Route::kStudent) {
        unique_scores[pair] += config.retrieval_weight * unique_pairs.score[pair];
      }
    }
    metrics["teacher"] = distilled.report.value("teacher", nlohmann::json::object());
    metrics["routing"] = distilled.report.value("routing", nlohmann::json::object());
    metrics["teacher_calls"] = distilled.teacher_calls;
    metrics["self_supervision_pairs"] = known.labels.size();
    metrics["self_training_mentions"] = self_training;
  }
  const std::vector<float> scores = per_row(unique_scores, unique_pairs, pairs, unique.key_of_row);
  metrics["distinct_mentions"] = unique.keys.size();

  const auto ranked = resolve::rank_candidates(pairs, scores, config.output_k);
  std::ostream& out = out_file->stream();
  out << "left_id,right_id,rank,score\n";
  for (const auto& row : ranked) {
    io::write_csv_field(out, mentions.table.id(row.left));
    out << ',';
    io::write_csv_field(out, dictionary.concept_ids[row.right]);
    out << ',' << row.rank << ',' << row.score << '\n';
  }
  out_file->prepare();  // committed with the metrics, at the end
  timer.finish("write");

  if (!gold_ids.empty()) {
    std::vector<std::uint32_t> gold_rows;
    for (std::size_t row = 0; row < gold_ids.size(); ++row) {
      if (!gold_ids[row].empty()) gold_rows.push_back(static_cast<std::uint32_t>(row));
    }
    const LinkAccuracy linked = link_accuracy(mentions, gold_ids, pairs, scores, gold);
    metrics["quality"] = accuracy_json(linked, eval::ranking_metrics(pairs, scores, gold, gold_rows));
    metrics["retriever_quality"] = accuracy_json(link_accuracy(mentions, gold_ids, pairs, pairs.score, gold),
                                                 eval::ranking_metrics(pairs, pairs.score, gold, gold_rows));
    // Recall of the candidates: the ceiling on any re-ranking (share of gold-bearing parts with a gold candidate).
    std::size_t parts_found = 0;
    for (const std::uint32_t row : gold_rows) {
      for (std::uint64_t pair = pairs.query_offsets[row]; pair < pairs.query_offsets[row + 1]; ++pair) {
        if (std::binary_search(gold.begin(), gold.end(), std::pair<std::uint32_t, std::uint32_t>{row, pairs.right[pair]})) {
          ++parts_found;
          break;
        }
      }
    }
    metrics["candidate_recall"] = gold_rows.empty() ? 0.0 : static_cast<double>(parts_found) / static_cast<double>(gold_rows.size());
    spdlog::info("{}: Acc@1 {:.4f}, Acc@5 {:.4f} over {} mentions (retriever alone {:.4f} / {:.4f})", metrics["mode"].get<std::string>(),
                 linked.acc_at_1, linked.acc_at_5, linked.mentions, metrics["retriever_quality"]["acc_at_1"].get<double>(),
                 metrics["retriever_quality"]["acc_at_5"].get<double>());
  }
  {
    metrics["config"] = link_config_json(config);
    metrics["counts"] = {{"mentions", mentions.num_source_mentions},
                         {"mention_parts", mentions.table.num_rows()},
                         {"concepts", dictionary.num_concepts()},
                         {"names", dictionary.num_names()},
                         {"candidate_pairs", pairs.num_pairs()}};
    timer.record_costs(metrics);
    if (metrics_file) write_metrics(*metrics_file, metrics);
  }
  if (workspace != nullptr && run_id > 0) workspace->finish_run(run_id, metrics);
  io::commit_together({metrics_file ? &*metrics_file : nullptr, &*out_file});
}

}  // namespace

void run_link(const LinkConfig& config) {
  if (config.reranker != "self-supervised" && config.reranker != "none") {
    throw InputError("--reranker must be self-supervised or none, not '" + config.reranker + "'");
  }
  if (config.output_k < 1) throw InputError("--top-k must be at least 1");
  if (config.retriever.top_k < 1) throw InputError("--candidates must be at least 1");
  if (!(config.retrieval_weight >= 0 && std::isfinite(config.retrieval_weight))) {
    throw InputError("--retrieval-weight must be a number >= 0");
  }
  check_distill_settings(config.distill);
  refuse_builtin_teacher(config.distill, "link");
  const bool simulated = teacher::uses_simulated_teacher(config.distill.teacher);
  if (simulated && config.gold_path.empty()) throw InputError("--teacher simulated:RATE answers from gold: give --gold");
  if (config.reranker == "none" && config.distill.teacher != "none") {
    throw InputError("--reranker none ranks by retrieval alone: it takes no --teacher");
  }
  // Outputs replace their files whole: one named like an input (a metrics file given as the gold file)
  // would destroy that input.
  io::refuse_outputs_over_inputs(
      with_teacher_inputs({config.mentions_path, config.dictionary_path, config.gold_path, config.train_mentions_path},
                          config.distill),
      with_teacher_outputs({{"--out", config.out_path}, {"--metrics", config.metrics_path}, {"--workspace", config.workspace_path}},
                           config.workspace_path, config.out_path, config.distill));
  // An LLM teacher's answers are paid for: each goes to the workspace (default OUT.workspace.db) as it
  // arrives, and a re-run asks only what was never answered. The workspace records the run too.
  std::optional<workspace::Workspace> run_workspace;
  std::int64_t run_id = 0;
  const std::string workspace_path = workspace_path_for(config.workspace_path, config.out_path, config.distill);
  if (!workspace_path.empty()) {
    run_workspace.emplace(workspace::Workspace::open(workspace_path));
    spdlog::info("workspace {} ({})", workspace_path, config.distill.dry_run ? "answer cache; a dry run records no run"
                                                                             : "run record, LLM answer cache");
    if (!config.distill.dry_run) run_id = run_workspace->begin_run(link_config_json(config));
  }
  try {
    link_mentions(config, run_workspace ? &*run_workspace : nullptr, run_id);
  } catch (...) {
    if (run_workspace && run_id > 0) record_failed_run(*run_workspace, run_id, std::current_exception());
    throw;
  }
}

}  // namespace matchmaker::pipeline
