// oneDNN pooling: forward and backward primitives created once per input shape, on plain tensors,
// or on channel-blocked ones where the net keeps either side blocked (the other side is then
// converted at the edge). Max pooling keeps the forward's workspace (the argmax) for backward; in
// int8 inference it takes u8 codes and writes codes of the same step (BlobLayout::kU8ChannelsLast),
// forward only.
#pragma once

#include <memory>
#include <string>

#include "backends/cpu_dnnl/dnnl_common.h"
#include "backends/cpu_ref/pooling.h"
#include "svertka/ops/pooling.h"

namespace svertka::cpu_dnnl {

class Pool final : public Kernel {
 public:
  Pool(const PoolOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  LayoutSupport layout_support() const override {
    return fallback_ ? LayoutSupport::kPlainOnly : LayoutSupport::kAny;
  }
  void set_layouts(const std::vector<BlobLayout>& inputs,
                   const std::vector<BlobLayout>& outputs) override;
  bool passes_u8() const override { return max_ && !fallback_; }  // max commutes with rounding
  bool reads_channels_last() const override { return !fallback_; }

 private:
  DnnlDevice& device_;
  // Primitives working in `work` layout on x and y held in the given layouts.
  void build(BlobLayout work, BlobLayout x_held, BlobLayout y_held);
  // The forward primitive on u8 codes held in kU8ChannelsLast on both sides.
  void build_u8();

  // Set for the geometries oneDNN cannot express (see the constructor); then it does all the work.
  std::unique_ptr<cpu_ref::Pool<float>> fallback_;
  std::string label_;
  bool max_ = true;
  dnnl::algorithm algorithm_;
  Shape x_shape_, y_shape_;
  dims strides_, kernel_, pad_l_, pad_r_;
  bool has_workspace_ = false;  // max pooling: valid after the first forward
  bool codes_ = false;          // build_u8: no workspace, no backward
  dnnl::pooling_forward forward_;
  dnnl::pooling_backward backward_;
  LayoutBridge x_, y_, dx_, dy_;
  dnnl::memory workspace_;
};

}  // namespace svertka::cpu_dnnl
