// numpy <-> svertka::Tensor at the module's edge: checks that name the argument and say what was
// expected, zero-copy views of host tensors, and copies.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "svertka/tensor.h"

namespace svertka::python {

namespace py = pybind11;

// `value` as a C-contiguous float32 array of `rank` dimensions (rank < 0: any). ParamError naming
// `what` for another type or dtype (no silent conversion: a float64 or uint8 array is a mistake
// worth hearing about), ShapeError for another rank. A non-contiguous float32 array is copied.
py::array_t<float, py::array::c_style> float_array(const py::handle& value, const std::string& what,
                                                   int rank = -1);

// A numpy view of a host tensor's buffer (no copy): writing to it writes the tensor. The view
// keeps the buffer alive on its own (the tensor's storage is shared), so it outlives the model.
py::array view_of(const Tensor& tensor);

// A numpy copy of `tensor` (brought to the host first if it lives elsewhere).
py::array copy_of(const Tensor& tensor);

// The shape of a tensor as a Python tuple.
py::tuple shape_tuple(const Shape& shape);

}  // namespace svertka::python
