// The extension module svertka._svertka; the package svertka (python/svertka/__init__.py)
// re-exports it with the pure-Python parts (mappings, train's keyword arguments).
#include <opencv2/core/utility.hpp>

#include "bindings.h"
#include "svertka/build_info.h"

PYBIND11_MODULE(_svertka, m) {
  m.doc() = "svertka's C++ library from Python: models, training, data loading, linear SVMs.";
  // As the CLI does (apps/svertka/main.cc): images are decoded in parallel over samples, so
  // OpenCV's own thread pool inside each call would only oversubscribe the cores.
  cv::setNumThreads(0);
  svertka::python::bind_errors(m);
  svertka::python::bind_model(m);
  svertka::python::bind_train(m);
  svertka::python::bind_data(m);
  svertka::python::bind_svm(m);
  m.def("build_info", &svertka::machine_summary,
        "The processor, oneDNN's instruction set and how svertka was built (one line).");
}
