#include "svertka/device.h"

#include "svertka/error.h"
#include "svertka/solver/sgd.h"

namespace svertka {

std::string_view precision_name(Precision precision) {
  switch (precision) {
    case Precision::kF32:
      return "fp32";
    case Precision::kBF16:
      return "bf16";
  }
  return "unknown";
}

Precision parse_precision(std::string_view name) {
  if (name == "fp32") return Precision::kF32;
  if (name == "bf16") return Precision::kBF16;
  throw ParamError("unknown precision '" + std::string(name) + "' (expected fp32 or bf16)");
}

std::string Device::describe() const {
  return std::string(backend_name(backend_)) + " on the host";
}

void Device::copy_to_plain(const Tensor& held, BlobLayout, Tensor&) {
  throw BackendError("backend " + std::string(backend_name(backend_)) +
                     " keeps every blob plain, yet a blob of " + held.shape().str() +
                     " is marked otherwise");
}

void Device::dequantize_to_plain(const Tensor& codes, float, Tensor&) {
  throw BackendError("backend " + std::string(backend_name(backend_)) +
                     " has no int8 kernels, yet a blob of " + codes.shape().str() +
                     " is marked as u8 codes");
}

void Device::axpby(float a, const Tensor& x, float b, Tensor& y) {
  if (x.numel() != y.numel())
    throw ShapeError("axpby over " + x.shape().str() + " and " + y.shape().str());
  const float* in = x.data();
  float* out = y.data();
  const int64_t n = y.numel();
  // Elementwise, so the result does not depend on the thread count.
  if (b == 0) {
#pragma omp parallel for schedule(static)
    for (int64_t k = 0; k < n; ++k) out[k] = a * in[k];
  } else {
#pragma omp parallel for schedule(static)
    for (int64_t k = 0; k < n; ++k) out[k] = a * in[k] + b * out[k];
  }
}

void Device::sgd_update(const SgdUpdate& update, Tensor& value, const Tensor& grad,
                        Tensor& history, Tensor& history2) {
  sgd_update_on_host(update, value, grad, history, history2);
}

}  // namespace svertka
