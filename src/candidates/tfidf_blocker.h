// Schema-agnostic candidate generation: top-k by sparse TF-IDF cosine over an inverted index.
#pragma once

#include "candidates/candidate_pairs.h"
#include "text/sparse_rows.h"

namespace matchmaker::candidates {

struct BlockerOptions {
  int top_k = 10;                // neighbours kept per record and direction
  bool both_directions = true;   // also the top-k left records of every right record
};

// `left_vectors` / `right_vectors`: unit TF-IDF vectors (text::combined_unit_vectors). Pairs with
// zero similarity are never candidates. Runs on all OpenMP threads.
CandidatePairs generate_candidates(const text::SparseRows& left_vectors, const text::SparseRows& right_vectors,
                                   const BlockerOptions& options);

// Deduplication of one table: every record's top-k other records; pairs stored with left < right.
CandidatePairs generate_candidates_within(const text::SparseRows& vectors, const BlockerOptions& options);

}  // namespace matchmaker::candidates
