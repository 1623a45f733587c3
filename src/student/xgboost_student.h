// The student: gradient-boosted trees over pair features, trained on teacher labels.
// The only file that sees XGBoost's C API.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "features/feature_matrix.h"

namespace matchmaker::student {

struct StudentOptions {
  int num_rounds = 150;
  int max_depth = 4;
  double learning_rate = 0.1;
  // Leaves need some weight of evidence, so that one or two (possibly wrong) teacher labels do not
  // carve out a region of their own. 2 and 3 both raised the ER DistillER means with LLM teachers; 5 did
  // too but made the unsupervised teacher's student unstable (D6 pair F1 0.73 -> 0.58). 2, not 3: 3 was
  // too coarse for the small samples of a few hundred records (bundled dedup example F1 0.56 -> 0.43).
  double min_child_weight = 2.0;
  // Weight of a positive label relative to a negative one (XGBoost's scale_pos_weight).
  double scale_pos_weight = 1.0;
  double subsample = 0.9;
  // Each split sees a random share of the features. Teacher-labelled samples are often separable by
  // any one of several features; sampling spreads the trees over all of them instead of the first,
  // so the student still decides well where that one feature is out of its training range.
  double column_sample_by_node = 0.5;
  int num_threads = 0;       // training; 0: all cores
  // Scoring and explaining: every row stands alone, so threads never change a result, and a model
  // trained on one thread (small samples train fastest so) still scores millions of pairs on all.
  int prediction_threads = 0;  // 0: all cores
  std::uint64_t seed = 42;
};

class XGBoostStudent {
 public:
  XGBoostStudent();
  ~XGBoostStudent();
  XGBoostStudent(const XGBoostStudent&) = delete;
  XGBoostStudent& operator=(const XGBoostStudent&) = delete;

  // Trains on the rows `row_indices` of `features` with binary `labels` and per-row `weights`.
  // REQUIRES: at least one positive and one negative label. Throws RuntimeFailure on library errors.
  void train(const features::FeatureMatrix& features, std::span<const std::uint64_t> row_indices,
             std::span<const float> labels, std::span<const float> weights, const StudentOptions& options);

  // Match probability of every row of `features`.
  std::vector<float> predict(const features::FeatureMatrix& features) const;

  // Per-feature contributions (SHAP values from the trees) to each row's match log-odds, row-major
  // num_rows x (num_features + 1); the last column is the bias. A row's values sum to the log-odds
  // of predict()'s probability: the basis of per-decision explanations.
  std::vector<float> contributions(const features::FeatureMatrix& features) const;

  // The model as XGBoost's JSON (for the workspace).
  std::string save_json() const;

 private:
  std::vector<float> predict_as(const features::FeatureMatrix& features, int type, std::size_t values_per_row) const;

  void* booster_ = nullptr;  // BoosterHandle
};

}  // namespace matchmaker::student
