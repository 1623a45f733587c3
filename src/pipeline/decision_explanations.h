// Explanations of a run's decisions, for the workspace (`matchmaker explain`) and the short form in
// output files: the student's feature contributions, who decided (route) and, where the teacher saw
// the query, its own rationale. Every task explains its decisions through here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pipeline/distill.h"
#include "resolve/resolve.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {

// One decision to explain: a query and the candidate pair decided on (a match, or the best candidate
// of a query decided "no match").
struct Decision {
  std::uint32_t query = 0;
  std::uint64_t pair = 0;
  bool match = false;
  float score = 0.0f;
};

// One chunk of explained decisions, in decision order: each one's explanation, and the line an
// output file keeps of it ("student: name jaro-winkler 1.00 (+2.1); ..." or "teacher: <its
// rationale, shortened>"). A chunk is gone once the sink returns.
struct ExplainedChunk {
  std::span<const workspace::Workspace::Explanation> explanations;
  std::span<const std::string> lines;
};
using ExplanationSink = std::function<void(const ExplainedChunk&)>;

// Explains each decision, in order, handing them to `sink` a chunk at a time: a decision's
// explanation is a few kilobytes, and a million of them held at once took 5.7 GB. Deterministic.
// `with_detail`: the student's contributions and the teacher's answer go into each detail (for the
// workspace and `matchmaker explain`); without it the detail holds the blocking score only and just
// the lines are made, which halves the time (building the detail took 7 of 12 s at 200,000 decisions).
void explain_decisions(const teacher::MatchProblem& problem, const DistillResult& distilled,
                       std::span<const Decision> decisions, bool with_detail, const ExplanationSink& sink);

// The decisions behind a set of matched pairs (any number per query), plus the best candidate of
// each query without a match as a "no match". Grouped by query.
std::vector<Decision> decisions_of(const candidates::CandidatePairs& pairs, std::span<const float> scores,
                                   std::vector<std::uint64_t> matched_pairs);

// The candidate pair index of (left, right), if it is a candidate pair.
std::optional<std::uint64_t> find_pair(const candidates::CandidatePairs& pairs, std::uint32_t left, std::uint32_t right);

// The candidate pair index of each match. REQUIRES: every match is a candidate pair.
std::vector<std::uint64_t> pairs_of(const candidates::CandidatePairs& pairs, std::span<const resolve::Match> matches);

// One decision in plain words, several lines, as `matchmaker explain` prints it and the HTML report
// shows it: the decision, who decided, the student's strongest contributions (summing to its
// log-odds) and the teacher's answer and rationale where it saw the query.
std::string explanation_text(const workspace::Workspace::Explanation& explanation);

}  // namespace matchmaker::pipeline
