// The arithmetic a device's convolution and inner-product kernels compute in (device.h). Whatever
// it is, blobs, parameters, gradients, the solver and the losses stay fp32: with kBF16 the kernels
// round their inputs (activations, weights, incoming gradients) to bfloat16 and accumulate in fp32,
// the mixed precision of PyTorch's autocast, with fp32 master weights.
#pragma once

#include <string_view>

namespace svertka {

enum class Precision {
  kF32,   // fp32 throughout
  kBF16,  // bf16 operands of convolutions and inner products, fp32 accumulation and results
};

std::string_view precision_name(Precision precision);  // "fp32", "bf16"
// "fp32" | "bf16"; ParamError naming the value otherwise.
Precision parse_precision(std::string_view name);

}  // namespace svertka
