#include "backends/cuda/cuda_device.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/launch.h"
#include "svertka/error.h"
#include "svertka/memory.h"
#include "svertka/solver/sgd.h"

namespace svertka::cuda {

namespace {

// The number of GPUs, or BackendError "no CUDA device: ..." saying why there are none.
int count_devices(int wanted) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    throw BackendError(fmt::format("no CUDA device: cuda:{} cannot be opened: {} ({})", wanted,
                                   cudaGetErrorString(status), cudaGetErrorName(status)));
  }
  if (wanted >= count)
    throw BackendError(fmt::format("no CUDA device: cuda:{} asked for, this machine has {} GPU{}",
                                   wanted, count, count == 1 ? "" : "s"));
  return count;
}

SgdRule::Type rule_type(SolverType type) {
  switch (type) {
    case SolverType::kSgd:
      return SgdRule::kSgd;
    case SolverType::kNesterov:
      return SgdRule::kNesterov;
    case SolverType::kAdaGrad:
      return SgdRule::kAdaGrad;
    case SolverType::kRmsProp:
      return SgdRule::kRmsProp;
    case SolverType::kAdaDelta:
      return SgdRule::kAdaDelta;
    case SolverType::kAdam:
      return SgdRule::kAdam;
  }
  throw ParamError("cuda: unknown solver type");
}

}  // namespace

CudaDevice::CudaDevice(int ordinal, const CudaDeviceOptions& options)
    : Device(Backend::kCuda), ordinal_(ordinal), options_(options) {
  if (ordinal < 0) throw ParamError(fmt::format("cuda:{}: device numbers start at 0", ordinal));
  count_devices(ordinal);
  try {
    activate();
    SVERTKA_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    SVERTKA_CUDA_CHECK(cudnnCreate(&cudnn_));
    SVERTKA_CUDA_CHECK(cudnnSetStream(cudnn_, stream_));
    SVERTKA_CUDA_CHECK(cublasCreate(&cublas_));
    SVERTKA_CUDA_CHECK(cublasSetStream(cublas_, stream_));
    SVERTKA_CUDA_CHECK(cublasSetMathMode(
        cublas_, options.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    memory_ = std::make_unique<CudaMemory>(ordinal, stream_);
    cudaDeviceProp properties{};
    SVERTKA_CUDA_CHECK(cudaGetDeviceProperties(&properties, ordinal));
    const double gib = double(properties.totalGlobalMem) / double(1ull << 30);
    workspace_limit_ = options.workspace_limit_bytes > 0
                           ? options.workspace_limit_bytes
                           : std::min<size_t>(properties.totalGlobalMem / 16, size_t(1) << 30);
    int runtime = 0;
    SVERTKA_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
    const size_t cudnn = cudnnGetVersion();
    description_ = fmt::format(
        "cuda:{} {} (sm_{}{}, {} SMs, {:.1f} GiB), CUDA runtime {}.{}, cuDNN {}.{}.{}, TF32 {}",
        ordinal, properties.name, properties.major, properties.minor,
        properties.multiProcessorCount, gib, runtime / 1000, runtime % 1000 / 10, cudnn / 10000,
        cudnn % 10000 / 100, cudnn % 100, options.tf32 ? "on" : "off");
  } catch (...) {
    release();
    throw;
  }
}

CudaDevice::~CudaDevice() {
  release();
}

void CudaDevice::release() noexcept {
  (void)cudaSetDevice(ordinal_);
  if (stream_) (void)cudaStreamSynchronize(stream_);
  if (workspace_ && memory_) memory_->deallocate(workspace_, workspace_bytes_);
  workspace_ = nullptr;
  memory_.reset();  // returns every cached block to the driver
  if (cublas_) (void)cublasDestroy(cublas_);
  if (cudnn_) (void)cudnnDestroy(cudnn_);
  if (stream_) (void)cudaStreamDestroy(stream_);
  cublas_ = nullptr;
  cudnn_ = nullptr;
  stream_ = nullptr;
}

std::string CudaDevice::describe() const {
  return description_;
}

void CudaDevice::activate() const {
  SVERTKA_CUDA_CHECK(cudaSetDevice(ordinal_));
}

void CudaDevice::synchronize() {
  SVERTKA_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

// Only buffers mapped on their own (memory.h: kLargeHostBlock and up) are pinned: they own their
// pages, which a registration locks whole, and a small buffer's copy gains nothing.
namespace {
bool pinnable(const Tensor& host) {
  return host.on_host() && host.bytes() >= kLargeHostBlock;
}
}  // namespace

void CudaDevice::pin(const Tensor& host) {
  if (!pinnable(host)) return;
  activate();
  // Registration fails only where the driver cannot lock more pages: the copy then stays pageable.
  if (cudaHostRegister(const_cast<float*>(host.data()), host.bytes(), cudaHostRegisterDefault) !=
      cudaSuccess)
    (void)cudaGetLastError();
}

void CudaDevice::unpin(const Tensor& host) noexcept {
  if (!pinnable(host)) return;
  if (cudaHostUnregister(const_cast<float*>(host.data())) != cudaSuccess) (void)cudaGetLastError();
}

void* CudaDevice::workspace(size_t bytes) {
  if (bytes <= workspace_bytes_) return workspace_;
  // The old block goes back to the pool; work still queued on the stream that reads it runs
  // before anything queued later can reuse it.
  if (workspace_) memory_->deallocate(workspace_, workspace_bytes_);
  workspace_ = nullptr;
  workspace_ = memory_->allocate(bytes);
  workspace_bytes_ = bytes;
  return workspace_;
}

void CudaDevice::axpby(float a, const Tensor& x, float b, Tensor& y) {
  if (x.numel() != y.numel())
    throw ShapeError("axpby over " + x.shape().str() + " and " + y.shape().str());
  activate();
  launch_axpby(stream_, y.numel(), a, x.data(), b, y.data());
}

void CudaDevice::sgd_update(const SgdUpdate& u, Tensor& value, const Tensor& grad, Tensor& history,
                            Tensor& history2) {
  SgdRule rule{.type = rule_type(u.type),
               .rate = u.rate,
               .decay = u.decay,
               .momentum = u.momentum,
               .delta = u.delta,
               .momentum2 = u.momentum2,
               .rms_decay = u.rms_decay,
               .l1 = u.l1};
  if (u.type == SolverType::kAdam)  // Caffe's bias correction, in double on the host as sgd.cc
    rule.adam_correction = float(std::sqrt(1 - std::pow(double(u.momentum2), double(u.t))) /
                                 (1 - std::pow(double(u.momentum), double(u.t))));
  activate();
  float* h2 = history_buffers(u.type) == 2 ? history2.data() : nullptr;
  launch_sgd_update(stream_, rule, value.numel(), value.data(), grad.data(), history.data(), h2);
}

CudaDevice& as_cuda(Device& device) {
  if (auto* cuda = dynamic_cast<CudaDevice*>(&device)) return *cuda;
  throw BackendError("a cuda kernel was given a device of backend " +
                     std::string(backend_name(device.backend())));
}

}  // namespace svertka::cuda

namespace svertka {

std::shared_ptr<Device> open_cuda_device(int ordinal, const CudaDeviceOptions& options) {
  return std::make_shared<cuda::CudaDevice>(ordinal, options);
}

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return count;
}

CudaMemoryReport cuda_memory_report(Device& device) {
  cuda::CudaDevice& cuda = cuda::as_cuda(device);
  const cuda::PoolStatistics s = cuda.cuda_memory().pool().statistics();
  return {.in_use_bytes = s.in_use_bytes,
          .reserved_bytes = s.reserved_bytes,
          .peak_in_use_bytes = s.peak_in_use_bytes,
          .peak_reserved_bytes = s.peak_reserved_bytes,
          .driver_allocations = s.driver_allocations,
          .conv_measurements = cuda.conv_algorithms().measurements()};
}

void reset_cuda_memory_peaks(Device& device) {
  cuda::CudaDevice& cuda = cuda::as_cuda(device);
  cuda.synchronize();
  cuda.cuda_memory().pool().release_cached();
  cuda.cuda_memory().pool().reset_peaks();
}

void synchronize_cuda_device(Device& device) {
  cuda::as_cuda(device).synchronize();
}

}  // namespace svertka
