// oneDNN convolution: primitives for forward, backward-data and backward-weights, created once
// per input shape, direct or Winograd (ConvAlgorithm); the backward ones on the first backward
// call, so a net that only infers (TEST, evaluation, prediction) never builds them. They pick their
// own memory layouts (oneDNN's blocked nChw16c and blocked weights run its fastest kernels);
// tensors held in another layout are converted at the kernel's edges by LayoutBridges into scratch
// shared by all layers. The net keeps most activations blocked (blob_layout.h), so mostly only the
// weights are converted.
#pragma once

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/ops/conv.h"

namespace svertka::cpu_dnnl {

bool prefers_winograd(const ConvParams& params, const ConvGeometry& geometry);

class Conv final : public Kernel {
 public:
  Conv(const ConvOp& op, const std::vector<Shape>& inputs, Device& device);
  bool uses_winograd() const { return winograd_; }
  // Whether forward converts the weights to another layout at each call (plain_weights_preferred).
  bool converts_weights_per_call() const { return w_.converts(); }
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  LayoutSupport layout_support() const override { return LayoutSupport::kAny; }
  void set_layouts(const std::vector<BlobLayout>& inputs,
                   const std::vector<BlobLayout>& outputs) override;
  bool fuse_relu(double negative_slope) override;

 private:
  DnnlDevice& device_;
  // The plain descriptors and geometry every primitive is made from.
  struct Descs {
    dnnl::memory::desc x, w, b, y;
    dims strides, pad_l, pad_r;
  };
  dnnl::convolution_forward::primitive_desc make_forward(dnnl::algorithm algorithm,
                                                         bool plain_weights = false) const;
  bool plain_weights_preferred() const;
  // The forward primitive: Winograd where preferred and available, else direct (on plain weights
  // where plain_weights_preferred), with the fused ReLU if any.
  void choose_forward();
  void set_forward(const dnnl::convolution_forward::primitive_desc& pd);
  // Makes the backward primitives if not yet made (Winograd where it has them, else direct).
  void make_backward();
  // Bridges from x and y as held (and their gradients alike) to what the primitives want.
  void connect_forward();
  void connect_backward();

  Descs descs_;
  dnnl::memory::desc x_held_, y_held_;
  bool backward_made_ = false;
  dnnl::convolution_forward::primitive_desc forward_pd_;
  dnnl::convolution_backward_data::primitive_desc backward_data_pd_;
  dnnl::convolution_backward_weights::primitive_desc backward_weights_pd_;
  bool bias_;
  bool prefers_winograd_ = false, winograd_ = false;
  std::optional<double> relu_;  // the fused ReLU's negative slope (fuse_relu)
  dnnl::convolution_forward forward_;
  dnnl::convolution_backward_data backward_data_;
  dnnl::convolution_backward_weights backward_weights_;
  LayoutBridge x_, w_, y_;                    // forward
  LayoutBridge dy_data_, w_data_, dx_;        // backward data
  LayoutBridge x_weights_, dy_weights_, dw_;  // backward weights
  bool weights_pass_reuses_dy_ = false;
  dnnl::memory b_, db_;
  Shape x_shape_, y_shape_, w_shape_;
  int64_t g_o_ = 0;
  Tensor scratch_dw_, scratch_db_;  // for a gradient the caller did not ask for
};

}  // namespace svertka::cpu_dnnl
