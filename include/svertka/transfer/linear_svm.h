// One-vs-rest L2-regularised linear SVMs on feature vectors through liblinear (L2-loss, dual
// coordinate descent: liblinear's default), as VGG classified other datasets with its features.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "svertka/transfer/features.h"

struct model;  // liblinear's

namespace svertka {

struct SvmOptions {
  double c = 1;             // the cost of a margin violation (inverse regularisation)
  bool c_search = false;    // choose C from c_grid by cross-validation on the training set
  std::vector<double> c_grid{0.001, 0.01, 0.1, 1, 10};
  int folds = 3;
  bool l2_normalize = true;  // scale every feature vector to unit length first (VGG)
  double eps = 0.1;          // liblinear's stopping tolerance
};

// Scales every row of (N,D) to unit L2 norm (all-zero rows are left alone).
void l2_normalize_rows(Tensor& features);

class LinearSvm {
 public:
  // Trains on `data` (normalised first when options.l2_normalize). ParamError for an empty set,
  // a non-positive C or fewer than two classes.
  LinearSvm(const FeatureSet& data, const SvmOptions& options);
  ~LinearSvm();
  LinearSvm(const LinearSvm&) = delete;
  LinearSvm& operator=(const LinearSvm&) = delete;

  double c() const { return c_; }
  // Cross-validation accuracy of each C tried (c_search), in c_grid order.
  const std::vector<double>& cv_accuracy() const { return cv_accuracy_; }
  // Predicted labels; ShapeError for features of another dimension.
  std::vector<int64_t> predict(const FeatureSet& data) const;
  double accuracy(const FeatureSet& data) const;
  // liblinear's text model format; IoError if it cannot be written.
  void save(const std::string& path) const;

 private:
  SvmOptions options_;
  double c_ = 1;
  std::vector<double> cv_accuracy_;
  int64_t dim_ = 0;
  ::model* model_ = nullptr;
};

}  // namespace svertka
