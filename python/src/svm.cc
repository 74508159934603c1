// svertka.svm: the library's one-vs-rest linear SVMs (liblinear) on feature arrays, as
// `svertka svm` trains them on `svertka extract`'s files (VGG's transfer experiments).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>

#include "arrays.h"
#include "bindings.h"
#include "svertka/error.h"
#include "svertka/transfer/linear_svm.h"

namespace svertka::python {
namespace {

FeatureSet feature_set(const py::handle& features, const py::handle& labels) {
  const auto x = float_array(features, "features", 2);
  FeatureSet set;
  set.features = Tensor(Shape{x.shape(0), x.shape(1)});
  if (x.size() > 0) std::memcpy(set.features.data(), x.data(), set.features.bytes());
  if (labels.is_none()) {
    set.labels.assign(size_t(x.shape(0)), 0);
    return set;
  }
  const auto y = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(labels);
  if (!y || y.ndim() != 1 || y.shape(0) != x.shape(0))
    throw ShapeError("labels must be integers of shape (" + std::to_string(x.shape(0)) +
                     ",), one per row of features");
  set.labels.assign(y.data(), y.data() + y.shape(0));
  return set;
}

}  // namespace

void bind_svm(py::module_& m) {
  using namespace pybind11::literals;
  py::module_ svm = m.def_submodule(
      "svm", "One-vs-rest linear SVMs (liblinear) on features, as `svertka svm` trains them.");
  py::class_<LinearSvm>(svm, "LinearSvm", R"(One-vs-rest L2-regularised linear SVMs (liblinear).

LinearSvm(features, labels, c=1.0, c_search=False, c_grid=[0.001, 0.01, 0.1, 1, 10], folds=3,
          l2_normalize=True, eps=0.1)

features      float32 (N, D), e.g. Model.extract("fc7", images)
labels        integers (N,)
c             the cost of a margin violation; c_search: chosen from c_grid by `folds`-fold
              cross-validation on the training set instead
l2_normalize  scale every feature vector to unit length first (VGG)
ParamError for an empty set, a non-positive C or fewer than two classes.)")
      .def(
          py::init([](const py::handle& features, const py::handle& labels, double c, bool c_search,
                      std::vector<double> c_grid, int folds, bool l2_normalize, double eps) {
            const FeatureSet set = feature_set(features, labels);
            const SvmOptions options{.c = c,
                                     .c_search = c_search,
                                     .c_grid = std::move(c_grid),
                                     .folds = folds,
                                     .l2_normalize = l2_normalize,
                                     .eps = eps};
            py::gil_scoped_release release;
            return std::make_unique<LinearSvm>(set, options);
          }),
          "features"_a, "labels"_a, "c"_a = 1.0, "c_search"_a = false,
          "c_grid"_a = std::vector<double>{0.001, 0.01, 0.1, 1, 10}, "folds"_a = 3,
          "l2_normalize"_a = true, "eps"_a = 0.1)
      .def(
          "predict",
          [](const LinearSvm& self, const py::handle& features) {
            const std::vector<int64_t> labels = self.predict(feature_set(features, py::none()));
            return py::array_t<int64_t>(py::ssize_t(labels.size()), labels.data());
          },
          "features"_a, "Predicted labels (N,) int64 of float32 features (N, D).")
      .def(
          "accuracy",
          [](const LinearSvm& self, const py::handle& features, const py::handle& labels) {
            return self.accuracy(feature_set(features, labels));
          },
          "features"_a, "labels"_a, "The fraction of rows predicted as labelled.")
      .def("save", &LinearSvm::save, "path"_a, "Writes liblinear's text model format.")
      .def_property_readonly("c", &LinearSvm::c, "The C trained with (chosen, with c_search).")
      .def_property_readonly("cv_accuracy", &LinearSvm::cv_accuracy,
                             "Cross-validation accuracy of each C tried (c_search).");
  svm.def(
      "load_features",
      [](const std::string& path) {
        const FeatureSet set = load_features(path);
        return py::make_tuple(
            copy_of(set.features),
            py::array_t<int64_t>(py::ssize_t(set.labels.size()), set.labels.data()));
      },
      "path"_a,
      "(features (N, D) float32, labels (N,) int64) from a file `svertka extract` wrote.");
}

}  // namespace svertka::python
