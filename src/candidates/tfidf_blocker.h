// Schema-agnostic candidate generation: top-k by sparse TF-IDF cosine over an inverted index.
#pragma once

#include "candidates/candidate_pairs.h"
#include "candidates/pruned_search.h"
#include "text/sparse_rows.h"

namespace matchmaker::candidates {

struct BlockerOptions {
  int top_k = 10;                // neighbours kept per record and direction
  bool both_directions = true;   // also the top-k left records of every right record
  // How the top-k are searched (see pruned_search.h): terms held by more than 1,000 rows are left out
  // of the first pass, at any table size. The DistillER tables (up to 22k rows) then lose nothing
  // (pair completeness equal, Qwen replay query accuracy 0.8756 exhaustive vs 0.8760, seeds 1-4); a cut
  // of 500 lost 0.01 on IMDB-TMDB/TVDB. Synthetic product tables (bench/er_distiller --speed), 2 cores,
  // blocking: 200k x 200k 22 s (cut 2000: 59 s, exhaustive over 10 minutes). 1M x 1M: 112 s, pair
  // completeness 0.962, mutual-best-blocking F1 0.944; with a cut growing with the table (0.2% of the
  // rows, 2,000 there) 231 s, 0.973 and 0.956. A cut that grows with the table makes blocking grow with
  // its square; the fixed one trades about 0.01 of recall at a million rows for half the time.
  PruningOptions pruning;
};

// `left_vectors` / `right_vectors`: unit TF-IDF vectors (text::combined_unit_vectors). Pairs with
// zero similarity are never candidates. Runs on all OpenMP threads.
CandidatePairs generate_candidates(const text::SparseRows& left_vectors, const text::SparseRows& right_vectors,
                                   const BlockerOptions& options);

// Deduplication of one table: every record's top-k other records; pairs stored with left < right.
CandidatePairs generate_candidates_within(const text::SparseRows& vectors, const BlockerOptions& options);

}  // namespace matchmaker::candidates
