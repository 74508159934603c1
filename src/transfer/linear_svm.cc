#include "svertka/transfer/linear_svm.h"

#include <linear.h>

#include <cmath>
#include <set>

#include "svertka/error.h"

namespace svertka {
namespace {

void quiet(const char*) {}

// liblinear's sparse rows: nonzero features (1-based), then the bias feature, then index -1.
struct SparseRows {
  std::vector<feature_node> nodes;
  std::vector<feature_node*> rows;
  std::vector<double> y;

  SparseRows(const Tensor& features, const std::vector<int64_t>& labels) {
    const int64_t n = features.dim(0), d = features.dim(1);
    std::vector<size_t> starts;
    for (int64_t i = 0; i < n; ++i) {
      starts.push_back(nodes.size());
      const float* row = features.data() + i * d;
      for (int64_t j = 0; j < d; ++j)
        if (row[j] != 0) nodes.push_back({int(j + 1), double(row[j])});
      nodes.push_back({int(d + 1), 1.0});
      nodes.push_back({-1, 0.0});
      y.push_back(double(labels[size_t(i)]));
    }
    for (const size_t s : starts) rows.push_back(nodes.data() + s);
  }

  problem as_problem(int64_t dim) {
    return problem{int(rows.size()), int(dim + 1), y.data(), rows.data(), 1.0};
  }
};

Tensor prepared(const FeatureSet& data, bool normalize) {
  Tensor f = data.features.clone();
  if (normalize) l2_normalize_rows(f);
  return f;
}

parameter make_parameter(double c, double eps) {
  parameter p{};
  p.solver_type = L2R_L2LOSS_SVC_DUAL;
  p.eps = eps;
  p.C = c;
  return p;
}

}  // namespace

void l2_normalize_rows(Tensor& features) {
  const int64_t n = features.dim(0), d = features.dim(1);
  for (int64_t i = 0; i < n; ++i) {
    float* row = features.data() + i * d;
    double sum = 0;
    for (int64_t j = 0; j < d; ++j) sum += double(row[j]) * row[j];
    if (sum == 0) continue;
    const float inv = float(1 / std::sqrt(sum));
    for (int64_t j = 0; j < d; ++j) row[j] *= inv;
  }
}

LinearSvm::LinearSvm(const FeatureSet& data, const SvmOptions& options)
    : options_(options), c_(options.c), dim_(data.dim()) {
  if (data.size() == 0) throw ParamError("SVM: the training set is empty");
  if (std::set<int64_t>(data.labels.begin(), data.labels.end()).size() < 2)
    throw ParamError("SVM: the training set holds fewer than two classes");
  set_print_string_function(quiet);
  SparseRows rows(prepared(data, options.l2_normalize), data.labels);
  problem prob = rows.as_problem(dim_);
  if (options.c_search) {
    if (options.c_grid.empty() || options.folds < 2)
      throw ParamError("SVM: C search needs a grid of C values and at least 2 folds");
    std::vector<double> target(static_cast<size_t>(prob.l));
    double best = -1;
    for (const double c : options.c_grid) {
      const parameter p = make_parameter(c, options.eps);
      cross_validation(&prob, &p, options.folds, target.data());
      int64_t right = 0;
      for (int i = 0; i < prob.l; ++i) right += target[size_t(i)] == prob.y[i];
      const double accuracy = double(right) / double(prob.l);
      cv_accuracy_.push_back(accuracy);
      if (accuracy > best) best = accuracy, c_ = c;
    }
  }
  if (!(c_ > 0)) throw ParamError("SVM: C must be positive, got " + std::to_string(c_));
  const parameter p = make_parameter(c_, options.eps);
  if (const char* error = check_parameter(&prob, &p))
    throw ParamError(std::string("SVM: liblinear rejects the parameters: ") + error);
  model_ = train(&prob, &p);
}

LinearSvm::~LinearSvm() {
  if (model_) free_and_destroy_model(&model_);
}

std::vector<int64_t> LinearSvm::predict(const FeatureSet& data) const {
  if (data.dim() != dim_)
    throw ShapeError("SVM: features have " + std::to_string(data.dim()) +
                     " dimensions, the model " + std::to_string(dim_));
  SparseRows rows(prepared(data, options_.l2_normalize), data.labels);
  std::vector<int64_t> out;
  for (feature_node* row : rows.rows) out.push_back(int64_t(::predict(model_, row)));
  return out;
}

double LinearSvm::accuracy(const FeatureSet& data) const {
  const std::vector<int64_t> predicted = predict(data);
  int64_t right = 0;
  for (size_t i = 0; i < predicted.size(); ++i) right += predicted[i] == data.labels[i];
  return predicted.empty() ? 0.0 : double(right) / double(predicted.size());
}

void LinearSvm::save(const std::string& path) const {
  if (save_model(path.c_str(), model_) != 0) throw IoError("cannot write SVM model " + path);
}

}  // namespace svertka
