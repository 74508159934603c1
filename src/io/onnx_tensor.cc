#include "io/onnx_tensor.h"

#include <cstring>
#include <optional>

#include "svertka/error.h"

namespace svertka::onnx_io {

int64_t Constant::numel() const {
  const std::optional<int64_t> n = checked_numel(dims);
  if (!n) throw ShapeError("constant of shape " + Shape(dims).str() + ": too many elements");
  return *n;
}

namespace {

template <class T>
std::vector<T> from_raw(const onnx::TensorProto& t, const std::string& where) {
  const std::string& raw = t.raw_data();
  if (raw.size() % sizeof(T) != 0)
    throw IoError(where + ": tensor '" + t.name() + "' has " + std::to_string(raw.size()) +
                  " bytes of raw data, not a whole number of " + std::to_string(sizeof(T)) +
                  "-byte values");
  std::vector<T> values(raw.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), raw.data(), raw.size());
  return values;
}

}  // namespace

Constant read_tensor(const onnx::TensorProto& t, const std::string& where) {
  using onnx::TensorProto;
  Constant c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  if (!checked_numel(c.dims))
    throw IoError(where + ": tensor '" + t.name() + "' has dims " + Shape(c.dims).str() +
                  " (a negative dimension, or more elements than an int64 counts)");
  if (t.data_location() == TensorProto::EXTERNAL)
    throw IoError(where + ": tensor '" + t.name() +
                  "' keeps its data in an external file (unsupported)");
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case TensorProto::FLOAT:
      c.floats = raw ? from_raw<float>(t, where)
                     : std::vector<float>(t.float_data().begin(), t.float_data().end());
      break;
    case TensorProto::DOUBLE: {
      const std::vector<double> d =
          raw ? from_raw<double>(t, where)
              : std::vector<double>(t.double_data().begin(), t.double_data().end());
      c.floats.assign(d.begin(), d.end());
      break;
    }
    case TensorProto::INT64:
      c.is_float = false;
      c.ints = raw ? from_raw<int64_t>(t, where)
                   : std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
      break;
    case TensorProto::INT32: {
      c.is_float = false;
      const std::vector<int32_t> d =
          raw ? from_raw<int32_t>(t, where)
              : std::vector<int32_t>(t.int32_data().begin(), t.int32_data().end());
      c.ints.assign(d.begin(), d.end());
      break;
    }
    default:
      throw IoError(where + ": tensor '" + t.name() + "' has data type " +
                    std::to_string(t.data_type()) + " (svertka reads float, double, int32, int64)");
  }
  const int64_t count = c.is_float ? int64_t(c.floats.size()) : int64_t(c.ints.size());
  if (count != c.numel())
    throw IoError(where + ": tensor '" + t.name() + "' holds " + std::to_string(count) +
                  " values for " + std::to_string(c.numel()) + " elements");
  return c;
}

onnx::TensorProto write_tensor(const std::string& name, const Tensor& tensor) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : tensor.shape().dims()) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(tensor.data()), tensor.bytes()));
  return t;
}

onnx::TensorProto write_int64_tensor(const std::string& name, const std::vector<int64_t>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(int64_t(values.size()));
  t.set_raw_data(
      std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t)));
  return t;
}

}  // namespace svertka::onnx_io
