// oneDNN local response normalisation across channels. Training runs in the channel-blocked
// layout: oneDNN 2.6 has no optimised NCHW backward (its reference one is ~10x slower than blocked
// backward plus conversions). Inference on plain or NHWC x runs on it as held; on blocked x with
// whichever of oneDNN's blocked inference and training primitives ran faster at the first call:
// their outputs are bitwise equal, and which is faster depends on the processor (training twice
// as fast in commit 035de4e's measurement, inference 1.2-1.8x on 2026-12-05's AMD EPYC). Tensors held
// in another layout are converted at the edges; the net keeps LRN's neighbours blocked where it
// can (blob_layout.h). The forward's workspace is kept for backward.
// In an int8 net it can also write its output as the u8 codes of the int8 layer that reads it
// (through max pooling: Kernel::can_write_u8), in one pass (lrn_codes.h): the same codes as the
// reader's own rounding of the fp32 output but for the last bit of the arithmetic, without
// writing and re-reading that output.
#pragma once

#include <optional>
#include <string>

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/ops/lrn.h"

namespace svertka::cpu_dnnl {

class Lrn final : public Kernel {
 public:
  Lrn(const LrnOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  LayoutSupport layout_support() const override { return LayoutSupport::kAny; }
  void set_layouts(const std::vector<BlobLayout>& inputs,
                   const std::vector<BlobLayout>& outputs) override;
  // Inference on NHWC: oneDNN 2.6's fastest LRN (1.25 ms against 3.35 blocked for GoogLeNet's
  // norm2 at batch 16 on 2 cores).
  bool reads_channels_last() const override { return true; }
  bool can_write_u8() const override;
  void write_u8(float scale) override { u8_step_ = scale; }

 private:
  DnnlDevice& device_;
  void build(BlobLayout x_held, BlobLayout y_held);
  dnnl::lrn_forward::primitive_desc forward_desc(dnnl::prop_kind kind,
                                                 const dnnl::memory::desc& x) const;
  void forward_training(const ForwardArgs<float>& args);
  void forward_blocked_inference(const ForwardArgs<float>& args);
  bool blocked_inference_is_faster(const ForwardArgs<float>& args);
  void build_u8(BlobLayout x_held);
  void forward_u8(const ForwardArgs<float>& args);

  std::string label_;
  LrnParams params_;
  Shape shape_;
  bool uses_workspace_ = false;
  bool forwarded_ = false;  // the workspace is valid
  dnnl::lrn_forward inference_, forward_;
  dnnl::lrn_forward blocked_inference_;           // on blocked x, through x_ and y_
  std::optional<bool> blocked_inference_faster_;  // measured at the first such call
  dnnl::lrn_backward backward_;
  dnnl::memory x_test_;           // inference on plain or channels-last x, as held
  bool test_on_held_ = true;      // inference runs on x as held (not blocked)
  LayoutBridge y_test_;           // its output
  LayoutBridge x_, y_, dy_, dx_;  // training
  dnnl::memory workspace_;
  std::optional<float> u8_step_;  // write_u8: the output is codes of this step
  LayoutBridge x_nhwc_;           // x as the codes' kernel reads it
};

}  // namespace svertka::cpu_dnnl
