// Shared oneDNN plumbing: plain-layout memory descriptors, wrapping a Tensor's buffer as a
// dnnl::memory without copying, and converting between layouts. The engine, the stream and the
// scratch buffers are the device's (dnnl_device.h).
#pragma once

#include <dnnl.hpp>
#include <optional>

#include "backends/cpu_dnnl/dnnl_device.h"
#include "svertka/blob_layout.h"
#include "svertka/tensor.h"

namespace svertka::cpu_dnnl {

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;

// A plain row-major f32 descriptor for these dims (nchw for 4-D, nc for 2-D, x for 1-D, ...).
dnnl::memory::desc plain_desc(const dims& d);
dnnl::memory::desc plain_desc(const Shape& shape);

// How a blob of `shape` in `layout` lies in memory (blob_layout.h): plain_desc, nChw16c / nChw8c
// for kChannelBlocked, u8 nhwc for kU8ChannelsLast, f32 nhwc for kChannelsLast.
dnnl::memory::desc blob_desc(const Shape& shape, BlobLayout layout);
// The channel block oneDNN's fastest kernels use on this CPU: 16 with AVX-512, else 8.
int native_channel_block();

inline void bind(dnnl::memory& memory, const Tensor& tensor) {
  memory.set_data_handle(const_cast<float*>(tensor.data()));
}

// `tensor`, allocated with `shape` on first use: where a primitive writes a gradient nobody asked
// for (oneDNN computes weight and bias gradients in one pass).
inline Tensor& scratch_for(Tensor& tensor, const Shape& shape) {
  if (!tensor.defined()) tensor = Tensor(shape);
  return tensor;
}

// A tensor as a primitive wants it. The tensor's layout (`held`: plain, or blocked where the Net
// keeps it so) may differ from the one the primitive wants (a primitive created with "any" layouts
// picks oneDNN's blocked one); then the bridge converts into a scratch buffer in the wanted layout
// on the way in (to_wanted) or out of it (to_held). With equal layouts both are no-ops and the
// primitive works on the tensor itself.
class LayoutBridge {
 public:
  LayoutBridge() = default;
  LayoutBridge(DnnlDevice& device, const dnnl::memory::desc& held, const dnnl::memory::desc& wanted,
               ScratchSlot slot);
  // A bridge that converts into a buffer of its own, not the device's shared scratch: what it
  // converted stays there until its next conversion.
  static LayoutBridge owning(DnnlDevice& device, const dnnl::memory::desc& held,
                             const dnnl::memory::desc& wanted);

  bool converts() const { return converts_; }
  // Binds `tensor` and returns the memory the primitive should read, converted if needed.
  const dnnl::memory& to_wanted(const Tensor& tensor);
  // Binds `tensor` and returns the memory the primitive should write; call to_held() afterwards.
  const dnnl::memory& output(Tensor& tensor);
  void to_held();
  // The memory in the wanted layout as last filled, within the same kernel call.
  const dnnl::memory& wanted() const { return converts_ ? wanted_ : held_; }

 private:
  void bind_scratch();

  DnnlDevice* device_ = nullptr;
  bool converts_ = false;
  ScratchSlot slot_ = ScratchSlot::kExtra;
  Tensor own_;  // the wanted layout's buffer of an owning() bridge; else undefined
  dnnl::memory held_, wanted_;
  dnnl::reorder into_wanted_, into_held_;
};

// Attributes for primitives whose working memory (oneDNN's "scratchpad") comes from the shared
// scratch at execute() rather than being held by each primitive for its lifetime.
dnnl::primitive_attr shared_scratchpad();

// `attr` with Caffe's ReLU (leaky with `negative_slope`) applied to the primitive's output as a
// post-op, when `negative_slope` is set (Kernel::fuse_relu); `attr` itself otherwise.
dnnl::primitive_attr with_relu(dnnl::primitive_attr attr, std::optional<double> negative_slope);

// Kernel::fuse_relu for a kernel whose primitives `remake()` makes with_relu(..., relu): with
// `negative_slope` if oneDNN has a kernel for the post-op, else as before (relu unset).
template <class Remake>
bool remake_with_relu(std::optional<double>& relu, double negative_slope, Remake&& remake) {
  relu = negative_slope;
  try {
    remake();
    return true;
  } catch (const dnnl::error&) {  // no kernel with the post-op: the ReLU stays a layer
    relu.reset();
    remake();
    return false;
  }
}

}  // namespace svertka::cpu_dnnl
