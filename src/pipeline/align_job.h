// The `align` job (EA): load two knowledge graphs -> structural + name model with bootstrapping
// (graph/) -> candidates and EA pair features -> distill() (teacher, student, routing; seed links as
// known labels) -> one-to-one alignment and top-k rankings -> outputs and metrics.
#pragma once

#include <string>

#include "graph/bootstrap_aligner.h"
#include "pipeline/distill.h"

namespace matchmaker::pipeline {

struct AlignConfig {
  std::string kg1_path;           // DBP15K/SRPRS or OpenEA directory (side 1), or an .nt file
  std::string kg2_path;           // the same directory (side 2), or another .nt file
  std::string out_path;           // left_id,right_id,rank,score,one_to_one
  std::string seeds_path;         // known links used for training and as anchors
  double seed_share = 0.0;        // else: the first share of the gold links are seeds, the rest is tested
  std::string gold_path;          // gold links; "" = the layout's own (ref_ent_ids / ent_links) if any
  bool gold_scope = false;        // benchmark protocol: align only the entities of the test links
  bool use_names = true;          // false: structure only
  float name_anchor_min = 0.9f;   // seed-free: mutual best name matches at least this similar start it
  int output_top_k = 10;          // ranked candidates written per entity
  std::string metrics_path;
  std::string workspace_path;
  graph::BootstrapSettings model;
  DistillSettings distill;
};

// Runs the job; throws InputError for bad input (exit 2), RuntimeFailure for failures (exit 1).
void run_align(const AlignConfig& config);

}  // namespace matchmaker::pipeline
