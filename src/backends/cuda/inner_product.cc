// InnerProduct on the GPU: three cuBLAS products. Row-major (N, K) x and (O, K) w are, to cuBLAS's
// column-major view, x^T (K, N) and w^T (K, O), so y^T (O, N) = (w^T)^T x^T, and so on below. With
// TF32 off (the default) cuBLAS computes in full fp32.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/launch.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/inner_product.h"

namespace svertka::cuda {
namespace {

class InnerProduct final : public Kernel {
 public:
  InnerProduct(const InnerProductOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)),
        n_(inputs.at(0)[0]),
        k_(op.in_features(inputs.at(0))),
        o_(op.params().out_features),
        bias_(op.params().bias) {
    if (n_ > INT32_MAX || k_ > INT32_MAX || o_ > INT32_MAX)
      throw BackendError(op.label() + ": cuBLAS takes matrix sizes below 2^31");
    if (bias_) {  // ones (N) for the bias gradient as a matrix-vector product
      ones_ = Tensor(Shape{n_}, device_.memory());
      device_.activate();
      launch_fill(device_.stream(), n_, 1.0f, ones_.data());
    }
  }

  // inputs {x (N, K)}, params {w (O, K), b (O)?}, outputs {y (N, O)}
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    float* y = args.outputs[0]->data();
    if (bias_) launch_broadcast_rows(device_.stream(), n_, o_, args.params[1]->data(), y);
    const float one = 1, beta = bias_ ? 1 : 0;
    SVERTKA_CUDA_CHECK(cublasSgemm(device_.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, int(o_), int(n_),
                                   int(k_), &one, args.params[0]->data(), int(k_),
                                   args.inputs[0]->data(), int(k_), &beta, y, int(o_)));
  }

  // output_grads {dy (N, O)} -> input_grads {dx (N, K)?}, param_grads {dw (O, K)?, db (O)?}
  void backward(const BackwardArgs<float>& args) override {
    device_.activate();
    const float one = 1, zero = 0;
    const float* dy = args.output_grads[0]->data();
    if (Tensor* dx = args.input_grads[0])  // dx^T (K, N) = w^T (K, O) dy^T (O, N)
      SVERTKA_CUDA_CHECK(cublasSgemm(device_.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, int(k_), int(n_),
                                     int(o_), &one, args.params[0]->data(), int(k_), dy, int(o_),
                                     &zero, dx->data(), int(k_)));
    Tensor* dw = args.param_grads.empty() ? nullptr : args.param_grads[0];
    if (dw)  // dw^T (K, O) = x^T (K, N) (dy^T)^T (N, O)
      SVERTKA_CUDA_CHECK(cublasSgemm(device_.cublas(), CUBLAS_OP_N, CUBLAS_OP_T, int(k_), int(o_),
                                     int(n_), &one, args.inputs[0]->data(), int(k_), dy, int(o_),
                                     &zero, dw->data(), int(k_)));
    Tensor* db = bias_ && args.param_grads.size() > 1 ? args.param_grads[1] : nullptr;
    if (db)  // db (O) = dy^T (O, N) ones (N)
      SVERTKA_CUDA_CHECK(cublasSgemv(device_.cublas(), CUBLAS_OP_N, int(o_), int(n_), &one, dy,
                                     int(o_), ones_.data(), 1, &zero, db->data(), 1));
  }

 private:
  CudaDevice& device_;
  int64_t n_, k_, o_;
  bool bias_;
  Tensor ones_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_inner_product(KernelRegistry& registry) {
  registry.add<InnerProductOp, cuda::InnerProduct>(Backend::kCuda);
}

}  // namespace svertka
