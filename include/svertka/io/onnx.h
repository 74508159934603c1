// ONNX models (opset 9 and later): import of the ops svertka has, and export of a net's inference
// graph. The messages are our own subset of onnx.proto with ONNX's field numbers
// (proto/onnx.proto).
//
// Imported ops: those of every op whose registry entry (src/ops/<op>.cc) has an ONNX mapping —
// Conv (groups, asymmetric pads), Relu, LRN, MaxPool / AveragePool (asymmetric pads, ceil_mode,
// count_include_pad), GlobalAveragePool, Gemm (alpha, beta, transB) / MatMul (+ Add of a constant
// bias), Dropout, Concat, Softmax and more — and Flatten / Reshape to (N, features), with Constant
// and ConstantOfShape initialisers folded. Anything else throws IoError naming the file, node and
// op.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "svertka/io/imported_model.h"

namespace svertka {

struct OnnxImportOptions {
  int64_t batch = 1;  // for a symbolic batch dimension
  // The most the import may hold in constants and weights together, checked before each is
  // allocated: a graph can claim sizes its bytes do not pay for (ConstantOfShape, a weight read by
  // many nodes). VGG-19, the largest of the papers' nets, takes 1.15 GB (144 M parameters, held
  // as constants and as weights).
  int64_t max_bytes = int64_t{4} << 30;
};

ImportedModel load_onnx(const std::string& path, const OnnxImportOptions& options = {});

// Writes the TEST-phase graph of `spec` (loss and accuracy layers and the label input left out)
// with `weights` as initialisers, at opset 11. Outputs: the blobs no exported layer reads.
void save_onnx(const NetSpec& spec, const std::vector<NamedTensor>& weights,
               const std::string& path);

}  // namespace svertka
