// The CUDA device (device.h): one GPU, the stream every kernel of the device runs on, the cuDNN
// and cuBLAS handles bound to that stream, the memory its tensors live in (a caching allocator:
// block_pool.h), a workspace the kernels share, and the per-shape choice of convolution
// algorithms. A net on it keeps activations, gradients and parameters on the GPU; the solver's
// update and the gradient sums run there too (axpby, sgd_update below). The host waits for the
// stream only when it reads something back (a loss, a blob) or copies a batch in.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <memory>
#include <string>

#include "backends/cuda/conv_algorithm.h"
#include "backends/cuda/cuda_memory.h"
#include "svertka/backends/cuda.h"
#include "svertka/device.h"

namespace svertka::cuda {

class CudaDevice final : public Device {
 public:
  // GPU `ordinal` (from 0). BackendError "no CUDA device: ..." when the machine has no GPU or no
  // driver, or none of that number.
  CudaDevice(int ordinal, const CudaDeviceOptions& options);
  ~CudaDevice() override;

  MemoryResource* memory() const override { return memory_.get(); }
  // "cuda:0 NVIDIA H200 (sm_90, 132 SMs, 139.8 GiB), CUDA runtime 13.0, cuDNN 9.19.0"
  std::string describe() const override;
  void axpby(float a, const Tensor& x, float b, Tensor& y) override;
  void sgd_update(const SgdUpdate& update, Tensor& value, const Tensor& grad, Tensor& history,
                  Tensor& history2) override;

  int ordinal() const { return ordinal_; }
  bool tf32() const { return options_.tf32; }
  CudaDeviceOptions::ChannelPadding channel_padding() const { return options_.channel_padding; }
  cudaStream_t stream() const { return stream_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasHandle_t cublas() const { return cublas_; }
  CudaMemory& cuda_memory() { return *memory_; }
  // Makes this GPU the calling thread's current device (every kernel's first step).
  void activate() const;
  // Waits for everything queued on the stream.
  void synchronize() override;
  void pin(const Tensor& host) override;
  void unpin(const Tensor& host) noexcept override;

  // Scratch for the duration of one kernel call (cuDNN's workspace), shared by every kernel of
  // the device: at least `bytes`, grown when asked for more, never shrunk.
  void* workspace(size_t bytes);
  // The largest workspace a convolution algorithm may ask for (GPU memory / 8, at most 1 GiB).
  size_t workspace_limit() const { return workspace_limit_; }
  // Convolution algorithms chosen per shape, shared by the device's kernels.
  ConvAlgorithmCache& conv_algorithms() { return conv_algorithms_; }

 private:
  void release() noexcept;  // the handles and the stream, from the destructor or a failed start

  int ordinal_;
  CudaDeviceOptions options_;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  std::unique_ptr<CudaMemory> memory_;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  size_t workspace_limit_ = 0;
  ConvAlgorithmCache conv_algorithms_;
  std::string description_;
};

// `device` as the CUDA device its kernels need; BackendError for another backend's.
CudaDevice& as_cuda(Device& device);


}  // namespace svertka::cuda
