// Pooling on the GPU with cpu_ref's windows (Caffe's ceil rule, end padding, the average's
// divisor that counts padding up to H + pad): our own kernels (layers.cu), since cuDNN rounds the
// output size down and divides by the clipped or the whole window only.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/launch.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/pooling.h"

namespace svertka::cuda {
namespace {

PoolShape pool_shape(const PoolOp& op, const Shape& x) {
  const PoolGeometry g = op.geometry(x);
  return {.planes = g.n * g.c, .h = g.h, .w = g.w, .oh = g.oh, .ow = g.ow, .kh = g.kh,
          .kw = g.kw, .sh = g.sh, .sw = g.sw, .ph = g.ph, .pw = g.pw, .pb = g.pb, .pr = g.pr,
          .max = op.params().method == PoolMethod::kMax,
          .exclude_padding = op.params().exclude_padding};
}

class Pool final : public Kernel {
 public:
  Pool(const PoolOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)), shape_(pool_shape(op, inputs.at(0))), label_(op.label()) {
    if (shape_.h * shape_.w > INT32_MAX)
      throw BackendError(label_ + ": cuda pooling indexes a plane with 32 bits");
    // The argmax of every output, in the device's memory, for max pooling's backward.
    if (shape_.max) argmax_ = Tensor(Shape{shape_.planes * shape_.oh * shape_.ow}, device_.memory());
  }

  // inputs {x}, outputs {y}
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    launch_pool_forward(device_.stream(), shape_, args.inputs[0]->data(), args.outputs[0]->data(),
                        argmax());
    forwarded_ = true;
  }
  // output_grads {dy} -> input_grads {dx?}
  void backward(const BackwardArgs<float>& args) override {
    if (!args.input_grads[0]) return;
    if (shape_.max && !forwarded_)
      throw Error(label_ + ": max pooling backward needs a forward first");
    device_.activate();
    launch_pool_backward(device_.stream(), shape_, args.output_grads[0]->data(), argmax(),
                         args.input_grads[0]->data());
  }

 private:
  // The argmax buffer holds int32 indices in a float tensor's memory (same size and alignment).
  int32_t* argmax() { return shape_.max ? reinterpret_cast<int32_t*>(argmax_.data()) : nullptr; }

  CudaDevice& device_;
  PoolShape shape_;
  std::string label_;
  Tensor argmax_;
  bool forwarded_ = false;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_pooling(KernelRegistry& registry) {
  registry.add<PoolOp, cuda::Pool>(Backend::kCuda);
}

}  // namespace svertka
