// The parts of the module `svertka._svertka`, each binding one area (module.cc calls them).
#pragma once

#include <pybind11/pybind11.h>

namespace svertka::python {

namespace py = pybind11;

void bind_errors(py::module_& m);  // errors.cc: the exception hierarchy
void bind_model(py::module_& m);   // model.cc: Model
void bind_train(py::module_& m);   // train.cc: the CLI's trainer
void bind_data(py::module_& m);    // image_loader.cc: ImageLoader
void bind_svm(py::module_& m);     // svm.cc: the svm submodule

}  // namespace svertka::python
