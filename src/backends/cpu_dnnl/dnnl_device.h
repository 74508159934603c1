// The cpu_dnnl device (device.h): oneDNN's CPU engine and stream, and the scratch buffers its
// kernels share. Its precision (precision.h) decides the data type of the operands of its
// convolution and inner-product primitives. Its tensors live in host memory, and it keeps a 4-D
// blob channel-blocked where oneDNN's fastest kernels want it (nChw16c with AVX-512, nChw8c
// otherwise).
#pragma once

#include <array>
#include <dnnl.hpp>
#include <unordered_map>

#include "svertka/device.h"

namespace svertka::cpu_dnnl {

// Buffers for data that lives only during one kernel call (a tensor converted to the layout a
// primitive wants). Every kernel on a device shares them: the device holds one buffer per slot, as
// large as the largest request, instead of one per layer and role. A kernel must not use a slot
// twice in one call, and nothing in a slot survives the call.
enum class ScratchSlot { kSource, kWeights, kDestination, kExtra, kScratchpad };

class DnnlDevice final : public Device {
 public:
  // BackendError for bf16 on a processor without AVX-512 (dnnl_bf16_support()).
  explicit DnnlDevice(Precision precision = Precision::kF32);

  std::string describe() const override;
  int channel_block() const override;
  void copy_to_plain(const Tensor& held, BlobLayout layout, Tensor& plain) override;
  void dequantize_to_plain(const Tensor& codes, float scale, Tensor& plain) override;

  const dnnl::engine& engine() const { return engine_; }
  // The data type of a convolution's or inner product's inputs: f32, or bf16 at Precision::kBF16.
  dnnl::memory::data_type operand_type() const;
  // A memory object over `desc` with no buffer yet; bind() points it at a tensor before each
  // execute.
  dnnl::memory unbound_memory(const dnnl::memory::desc& desc) const;
  void* scratch_buffer(ScratchSlot slot, size_t bytes);
  // Runs `primitive` with `arguments` on the device's stream and waits for it; a primitive made
  // with shared_scratchpad() (dnnl_common.h) gets its scratchpad from ScratchSlot::kScratchpad.
  void execute(const dnnl::primitive& primitive,
               const std::unordered_map<int, dnnl::memory>& arguments);

 private:
  static constexpr size_t kSlots = static_cast<size_t>(ScratchSlot::kScratchpad) + 1;

  dnnl::engine engine_;
  dnnl::stream stream_;
  std::array<Tensor, kSlots> scratch_;
};

// `device` as the cpu_dnnl device its kernels need; BackendError for another backend's.
DnnlDevice& as_dnnl(Device& device);

}  // namespace svertka::cpu_dnnl
