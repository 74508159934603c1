// What the cuda backend (svertka::cuda, src/backends/cuda; docs/GPU.md) offers beyond its entry
// (backend.h): devices with options, and what a benchmark reports about them. No CUDA type
// appears here; a program that does not link svertka::cuda must not call these (they are defined
// by the component).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "svertka/device.h"

namespace svertka {

struct CudaDeviceOptions {
  // TensorFloat-32 in cuDNN's convolutions and cuBLAS's products (10-bit mantissa products, fp32
  // sums: ~1e-3 relative error, up to 8x the fp32 rate on Hopper). Off: full fp32, as cpu_ref.
  // PyTorch's defaults are on for cuDNN and off for matrix products; state it beside any figure.
  bool tf32 = false;
  // The largest workspace a convolution algorithm may use; 0: GPU memory / 16, at most 1 GiB.
  size_t workspace_limit_bytes = 0;
  // A convolution whose input channels are not a multiple of 4 (the nets' first, on 3 colours)
  // can run on the same input and filter padded with zero channels, which cuDNN's tensor-core
  // algorithms take. kAuto: both timed once per shape, the faster kept; kAlways, kNever: forced
  // (the GPU check verifies the padded path with kAlways).
  enum class ChannelPadding { kAuto, kAlways, kNever };
  ChannelPadding channel_padding = ChannelPadding::kAuto;
};

// GPU `ordinal` (from 0). BackendError "no CUDA device: ..." without a GPU, a driver, or a GPU of
// that number.
std::shared_ptr<Device> open_cuda_device(int ordinal, const CudaDeviceOptions& options = {});

// GPUs this process sees; 0 without a GPU or driver.
int cuda_device_count();

struct CudaMemoryReport {
  size_t in_use_bytes = 0, reserved_bytes = 0;  // tensors now; held from the driver now
  size_t peak_in_use_bytes = 0, peak_reserved_bytes = 0;
  int64_t driver_allocations = 0;  // cudaMalloc calls so far
  int64_t conv_measurements = 0;   // convolution shapes whose algorithms were timed
};
// Of a CUDA device (BackendError for another).
CudaMemoryReport cuda_memory_report(Device& device);
// Waits for the device, gives its cached blocks back to the driver and starts the peaks afresh:
// what follows is measured alone.
void reset_cuda_memory_peaks(Device& device);
// Waits for everything queued on the device (for timing).
void synchronize_cuda_device(Device& device);

}  // namespace svertka
