#include "backends/cpu_ref/dropout.h"

#include <algorithm>

#include "svertka/hash.h"
#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {
namespace {

constexpr uint64_t kGolden = kGoldenGamma;
uint64_t mix(uint64_t z) {
  return mix64(z);
}

// One SplitMix64 stream per (seed, step); element i takes the stream's i-th value.
uint64_t stream_key(uint64_t seed, uint64_t step) {
  return mix(seed ^ mix(step * kGolden + kGolden));
}

// The top 53 bits as a double in [0, 1).
double to_unit(uint64_t bits) {
  return double(bits >> 11) * 0x1.0p-53;
}

}  // namespace

template <class T>
Dropout<T>::Dropout(const DropoutOp& op, const std::vector<Shape>& inputs)
    : ratio_(op.params().ratio),
      seed_(op.params().seed),
      scale_(static_cast<T>(1.0 / (1.0 - op.params().ratio))),
      count_(inputs.at(0).numel()) {}

template <class T>
void Dropout<T>::forward(const ForwardArgs<T>& args) {
  const T* x = args.inputs[0]->data();
  T* y = args.outputs[0]->data();
  last_forward_trained_ = args.phase == Phase::kTrain;
  if (!last_forward_trained_) {
    if (x != y) std::copy(x, x + count_, y);
    return;
  }
  keep_.resize(static_cast<size_t>(count_));
  uint8_t* keep = keep_.data();
  const uint64_t key = stream_key(seed_, args.step);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count_; ++i) {
    const bool kept = to_unit(mix(key + (uint64_t(i) + 1) * kGolden)) >= ratio_;
    keep[i] = kept;
    y[i] = kept ? x[i] * scale_ : T(0);
  }
}

template <class T>
void Dropout<T>::backward(const BackwardArgs<T>& args) {
  BasicTensor<T>* dx_tensor = args.input_grads[0];
  if (!dx_tensor) return;
  const T* dy = args.output_grads[0]->data();
  T* dx = dx_tensor->data();
  if (!last_forward_trained_) {
    if (dx != dy) std::copy(dy, dy + count_, dx);
    return;
  }
  const uint8_t* keep = keep_.data();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count_; ++i) dx[i] = keep[i] ? dy[i] * scale_ : T(0);
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_dropout(KernelRegistry& registry) {
  registry.add_reference<DropoutOp, cpu_ref::Dropout>();
}

}  // namespace svertka
