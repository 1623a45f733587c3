#include "student/xgboost_student.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <string>

#include "matchmaker/error.h"
#include "matchmaker/progress.h"

namespace matchmaker::student {
namespace {

void check(int status, const char* what) {
  if (status != 0) throw RuntimeFailure(std::string("xgboost ") + what + ": " + XGBGetLastError());
}

// A DMatrix freed with its scope.
class DMatrix {
 public:
  DMatrix(const float* values, std::size_t num_rows, std::size_t num_columns) {
    check(XGDMatrixCreateFromMat(values, num_rows, num_columns, NAN, &handle_), "creating a matrix");
  }
  ~DMatrix() { XGDMatrixFree(handle_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

}  // namespace

XGBoostStudent::XGBoostStudent() = default;

XGBoostStudent::~XGBoostStudent() {
  if (booster_ != nullptr) XGBoosterFree(booster_);
}

void XGBoostStudent::train(const features::FeatureMatrix& features, std::span<const std::uint64_t> row_indices,
                           std::span<const float> labels, std::span<const float> weights,
                           const StudentOptions& options) {
  const std::size_t num_columns = features.num_features();
  std::vector<float> rows(row_indices.size() * num_columns);
  for (std::size_t idx = 0; idx < row_indices.size(); ++idx) {
    const float* source = features.row(row_indices[idx]);
    std::copy(source, source + num_columns, rows.begin() + static_cast<std::ptrdiff_t>(idx * num_columns));
  }
  DMatrix train_matrix(rows.data(), row_indices.size(), num_columns);
  check(XGDMatrixSetFloatInfo(train_matrix.get(), "label", labels.data(), labels.size()), "setting labels");
  check(XGDMatrixSetFloatInfo(train_matrix.get(), "weight", weights.data(), weights.size()), "setting weights");

  if (booster_ != nullptr) XGBoosterFree(booster_);
  DMatrixHandle matrices[] = {train_matrix.get()};
  check(XGBoosterCreate(matrices, 1, &booster_), "creating the booster");
  auto set = [this](const char* name, const std::string& value) {
    check(XGBoosterSetParam(booster_, name, value.c_str()), name);
  };
  set("objective", "binary:logistic");
  set("eval_metric", "logloss");
  set("tree_method", "hist");
  set("max_depth", std::to_string(options.max_depth));
  set("eta", std::to_string(options.learning_rate));
  set("min_child_weight", std::to_string(options.min_child_weight));
  set("subsample", std::to_string(options.subsample));
  set("scale_pos_weight", std::to_string(options.scale_pos_weight));
  set("colsample_bynode", std::to_string(options.column_sample_by_node));
  set("seed", std::to_string(options.seed));
  set("nthread", std::to_string(options.num_threads));
  set("verbosity", "0");
  if (!features.monotone.empty()) {
    std::string constraints = "(";
    for (std::size_t column = 0; column < features.monotone.size(); ++column) {
      if (column > 0) constraints.push_back(',');
      constraints.append(std::to_string(features.monotone[column]));
    }
    constraints.push_back(')');
    set("monotone_constraints", constraints);
  }
  Progress progress("student", static_cast<std::size_t>(options.num_rounds), "training rounds");
  for (int round = 0; round < options.num_rounds; ++round) {
    check(XGBoosterUpdateOneIter(booster_, round, train_matrix.get()), "training");
    progress.add();
  }
  set("nthread", std::to_string(options.prediction_threads));
}

namespace {

// XGBoost's prediction types (c_api.h, XGBoosterPredictFromDMatrix).
constexpr int kPredictProbability = 0;
constexpr int kPredictContributions = 2;

}  // namespace

std::vector<float> XGBoostStudent::predict_as(const features::FeatureMatrix& features, int type,
                                              std::size_t values_per_row) const {
  if (booster_ == nullptr) throw RuntimeFailure("student: predict() before train()");
  // XGBoost copies its input into a matrix of its own (8 bytes a value): a chunk at a time, that copy
  // stays small (all 17 million candidate pairs of a 1M x 1M run at once took 3 GB more).
  constexpr std::size_t kRowsPerChunk = 262144;
  // training=false: no dropout-like randomness applies.
  const std::string config = R"({"type": )" + std::to_string(type) +
                             R"(, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";
  const std::size_t num_columns = features.num_features();
  std::vector<float> out;
  out.reserve(features.num_rows * values_per_row);
  Progress progress("student", features.num_rows, type == kPredictContributions ? "pairs explained" : "pairs scored");
  for (std::size_t begin = 0; begin < features.num_rows; begin += kRowsPerChunk) {
    const std::size_t rows = std::min(kRowsPerChunk, features.num_rows - begin);
    DMatrix matrix(features.values.data() + begin * num_columns, rows, num_columns);
    const bst_ulong* shape = nullptr;
    bst_ulong dimension = 0;
    const float* result = nullptr;
    check(XGBoosterPredictFromDMatrix(booster_, matrix.get(), config.c_str(), &shape, &dimension, &result), "predicting");
    out.insert(out.end(), result, result + rows * values_per_row);
    progress.add(rows);
  }
  return out;
}

std::vector<float> XGBoostStudent::predict(const features::FeatureMatrix& features) const {
  return predict_as(features, kPredictProbability, 1);
}

std::vector<float> XGBoostStudent::contributions(const features::FeatureMatrix& features) const {
  return predict_as(features, kPredictContributions, features.num_features() + 1);
}

std::string XGBoostStudent::save_json() const {
  if (booster_ == nullptr) return {};
  bst_ulong length = 0;
  const char* buffer = nullptr;
  check(XGBoosterSaveModelToBuffer(booster_, R"({"format": "json"})", &length, &buffer), "saving the model");
  return std::string(buffer, length);
}

}  // namespace matchmaker::student
