// ONNX TensorProto <-> values, shared by the ONNX reader and writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "onnx.pb.h"
#include "svertka/tensor.h"

namespace svertka::onnx_io {

// A constant of the graph: an initializer or a folded Constant / ConstantOfShape / Reshape.
struct Constant {
  std::vector<int64_t> dims;
  std::vector<float> floats;  // FLOAT / DOUBLE data
  std::vector<int64_t> ints;  // INT64 / INT32 data
  bool is_float = true;
  int64_t numel() const;
  int64_t element_bytes() const { return is_float ? sizeof(float) : sizeof(int64_t); }
};

// IoError naming `where` for data types other than float, double, int32 and int64, or data that
// does not fill the dims (external data included).
Constant read_tensor(const onnx::TensorProto& tensor, const std::string& where);
// FLOAT tensor with raw little-endian data (bit-exact).
onnx::TensorProto write_tensor(const std::string& name, const Tensor& tensor);
onnx::TensorProto write_int64_tensor(const std::string& name, const std::vector<int64_t>& values);

}  // namespace svertka::onnx_io
