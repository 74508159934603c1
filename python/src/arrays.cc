#include "arrays.h"

#include <cstring>

#include "svertka/error.h"

namespace svertka::python {

py::array_t<float, py::array::c_style> float_array(const py::handle& value, const std::string& what,
                                                   int rank) {
  if (!py::isinstance<py::array>(value))
    throw ParamError(what + " must be a numpy float32 array, got " +
                     std::string(py::str(py::type::of(value).attr("__name__"))));
  const auto array = py::reinterpret_borrow<py::array>(value);
  if (!array.dtype().is(py::dtype::of<float>()))
    throw ParamError(what + " must be float32, got " + std::string(py::str(array.dtype())) +
                     " (convert with .astype(numpy.float32))");
  if (rank >= 0 && array.ndim() != rank) {
    std::string shape = "(";
    for (py::ssize_t i = 0; i < array.ndim(); ++i)
      shape += (i ? "," : "") + std::to_string(array.shape(i));
    throw ShapeError(what + " must have " + std::to_string(rank) + " dimensions, got shape " +
                     shape + (array.ndim() == 1 ? ",)" : ")"));
  }
  return py::array_t<float, py::array::c_style>::ensure(array);
}

py::array view_of(const Tensor& tensor) {
  if (!tensor.on_host()) return copy_of(tensor);
  // The capsule holds a Tensor sharing the buffer: the array keeps it alive.
  auto* keep = new Tensor(tensor);
  py::capsule owner(keep, [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array_t<float>(tensor.shape().dims(), keep->data(), owner);
}

py::array copy_of(const Tensor& tensor) {
  const Tensor host = tensor.to_host();
  py::array_t<float> array(tensor.shape().dims());
  if (host.numel() > 0) std::memcpy(array.mutable_data(), host.data(), host.bytes());
  return array;
}

py::tuple shape_tuple(const Shape& shape) {
  py::tuple t(shape.rank());
  for (int i = 0; i < shape.rank(); ++i) t[size_t(i)] = shape[i];
  return t;
}

}  // namespace svertka::python
