// svertka::Error and its subclasses as Python exceptions of the same names, each also deriving
// from the Python exception a caller would expect (ParamError is a ValueError, IoError an
// OSError, NotFoundError a LookupError, ...), carrying svertka's message unchanged.
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "svertka/error.h"

namespace svertka::python {
namespace {

template <class E>
void add_error(py::module_& m, const char* name, py::handle base, const char* doc) {
  auto& type = py::register_exception<E>(m, name, base);
  type.attr("__doc__") = doc;
  type.attr("__module__") = "svertka";
}

}  // namespace

void bind_errors(py::module_& m) {
  // The base first: pybind11 tries the translators registered last first, so each subclass is
  // caught as itself before the base would catch it.
  auto& error = py::register_exception<Error>(m, "Error", PyExc_RuntimeError);
  error.attr("__doc__") =
      "Base of every error svertka raises (svertka::Error); str() is svertka's message, naming "
      "the file, layer or value concerned.";
  error.attr("__module__") = "svertka";
  const auto with = [&](PyObject* other) { return py::make_tuple(error, py::handle(other)); };
  add_error<ParamError>(m, "ParamError", with(PyExc_ValueError),
                        "Parameters that cannot work: a bad option, a wrong dtype, an unknown "
                        "mode (svertka::ParamError; also a ValueError).");
  add_error<ShapeError>(m, "ShapeError", with(PyExc_ValueError),
                        "Shapes that do not fit together: an array of the wrong shape for the "
                        "net's input (svertka::ShapeError; also a ValueError).");
  add_error<IoError>(m, "IoError", with(PyExc_OSError),
                     "A file missing, unreadable, truncated or not in the expected format "
                     "(svertka::IoError; also an OSError).");
  add_error<DataError>(m, "DataError", with(PyExc_ValueError),
                       "Invalid data: a corrupt image, a label out of range, a non-finite loss "
                       "(svertka::DataError; also a ValueError).");
  add_error<NotFiniteError>(m, "NotFiniteError", m.attr("DataError"),
                            "A result that is not finite: NaN or Inf scores or loss, from such "
                            "weights or a training that diverged (svertka::NotFiniteError; a "
                            "DataError).");
  add_error<NotFoundError>(m, "NotFoundError", with(PyExc_LookupError),
                           "A name that is not there: an unknown model, layer, blob or file "
                           "(svertka::NotFoundError; also a LookupError).");
  add_error<BackendError>(m, "BackendError", error,
                          "A backend library (oneDNN, MPI, CUDA) failed (svertka::BackendError).");
  add_error<ResourceError>(m, "ResourceError", with(PyExc_MemoryError),
                           "Memory ran out: a tensor larger than this machine can allocate "
                           "(svertka::ResourceError; also a MemoryError).");
}

}  // namespace svertka::python
