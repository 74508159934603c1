// Concat on the GPU: each input is a block of rows of the output, so each direction is one
// strided copy per input (cudaMemcpy2DAsync), queued on the device's stream.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/concat.h"

namespace svertka::cuda {
namespace {

class Concat final : public Kernel {
 public:
  Concat(const ConcatOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)), g_(op.geometry(inputs)) {}

  // inputs {x_0, ..., x_k-1}, outputs {y}: x_i (outer, C_i*inner) into the columns of y from
  // offsets[i]*inner.
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    for (size_t i = 0; i < g_.sizes.size(); ++i)
      copy_rows(args.outputs[0]->data() + g_.offsets[i] * g_.inner, g_.total,
                args.inputs[i]->data(), g_.sizes[i], g_.sizes[i]);
  }
  // output_grads {dy} -> input_grads {dx_i?}
  void backward(const BackwardArgs<float>& args) override {
    device_.activate();
    for (size_t i = 0; i < g_.sizes.size(); ++i)
      if (args.input_grads[i])
        copy_rows(args.input_grads[i]->data(), g_.sizes[i],
                  args.output_grads[0]->data() + g_.offsets[i] * g_.inner, g_.total, g_.sizes[i]);
  }

 private:
  // `outer` rows of `width`*inner floats, the rows `to_pitch` and `from_pitch` (*inner) apart.
  void copy_rows(float* to, int64_t to_pitch, const float* from, int64_t from_pitch,
                 int64_t width) {
    const size_t unit = sizeof(float) * size_t(g_.inner);
    if (g_.outer == 0 || width == 0 || g_.inner == 0) return;
    SVERTKA_CUDA_CHECK(cudaMemcpy2DAsync(to, unit * size_t(to_pitch), from,
                                         unit * size_t(from_pitch), unit * size_t(width),
                                         size_t(g_.outer), cudaMemcpyDeviceToDevice,
                                         device_.stream()));
  }

  CudaDevice& device_;
  ConcatGeometry g_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_concat(KernelRegistry& registry) {
  registry.add<ConcatOp, cuda::Concat>(Backend::kCuda);
}

}  // namespace svertka
