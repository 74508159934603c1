#include "backends/cpu_dnnl/conv.h"

#include "backends/cpu_dnnl/int8_conv.h"
#include "svertka/kernel_registry.h"

namespace svertka::cpu_dnnl {

// Winograd F(4x4, 3x3) exists only for 3x3 stride-1 ungrouped convolutions. With kAuto it is used
// where it measured faster than oneDNN's direct kernels: every such layer of VGG-16 and
// alexnet_small except one with a 3-channel input (docs/BENCHMARKS.md, "Winograd").
bool prefers_winograd(const ConvParams& p, const ConvGeometry& g) {
  const bool applicable = g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.groups == 1;
  switch (p.algorithm) {
    case ConvAlgorithm::kDirect:
      return false;
    case ConvAlgorithm::kWinograd:
      return applicable;
    case ConvAlgorithm::kAuto:
      return applicable && g.c >= 16 && g.o >= 16;
  }
  return false;
}

Conv::Conv(const ConvOp& op, const std::vector<Shape>& inputs, Device& device)
    : device_(as_dnnl(device)), bias_(op.params().bias) {
  const ConvGeometry g = op.geometry(inputs.at(0));
  x_shape_ = inputs.at(0);
  y_shape_ = op.output_shapes(inputs)[0];
  w_shape_ = op.param_shapes(inputs)[0];
  g_o_ = g.o;
  const auto x_desc = plain_desc(dims{g.n, g.c, g.h, g.w});
  const auto y_desc = plain_desc(dims{g.n, g.o, g.oh, g.ow});
  // Grouped weights (G, O/G, C/G, KH, KW) have the same memory as (O, C/G, KH, KW).
  const auto w_desc =
      g.groups == 1 ? plain_desc(dims{g.o, g.c, g.kh, g.kw})
                    : plain_desc(dims{g.groups, g.o_per_group(), g.c_per_group(), g.kh, g.kw});
  const auto b_desc = bias_ ? plain_desc(dims{g.o}) : dnnl::memory::desc();
  const dims strides{g.sh, g.sw}, pad_l{g.ph, g.pw};
  // Caffe's floor rounding can leave the last rows of the padded input unused: the right padding
  // oneDNN needs is what makes its output size formula give ours.
  const dims pad_r{(g.oh - 1) * g.sh + g.kh - g.h - g.ph, (g.ow - 1) * g.sw + g.kw - g.w - g.pw};
  // The primitives pick their layouts. Operands (x, w, dy) are of the device's operand type
  // (bf16 or f32), and the bridges convert to it; results (y, dx, dw, db) and the bias stay f32.
  const auto operand = device_.operand_type(), f32 = dnnl::memory::data_type::f32;
  auto any = [](const dnnl::memory::desc& d, dnnl::memory::data_type type) {
    return dnnl::memory::desc(d.dims(), type, tag::any);
  };
  auto make_forward = [&](dnnl::algorithm algorithm) {
    return dnnl::convolution_forward::primitive_desc(
        {dnnl::prop_kind::forward_training, algorithm, any(x_desc, operand), any(w_desc, operand),
         b_desc, any(y_desc, f32), strides, pad_l, pad_r},
        shared_scratchpad(), device_.engine());
  };
  auto make_backward_data = [&](dnnl::algorithm algorithm,
                                const dnnl::convolution_forward::primitive_desc& hint) {
    return dnnl::convolution_backward_data::primitive_desc(
        {algorithm, any(x_desc, f32), any(w_desc, operand), any(y_desc, operand), strides, pad_l,
         pad_r},
        shared_scratchpad(), device_.engine(), hint);
  };
  auto make_backward_weights = [&](dnnl::algorithm algorithm,
                                   const dnnl::convolution_forward::primitive_desc& hint) {
    return dnnl::convolution_backward_weights::primitive_desc(
        {algorithm, any(x_desc, operand), any(w_desc, f32), b_desc, any(y_desc, operand), strides,
         pad_l, pad_r},
        shared_scratchpad(), device_.engine(), hint);
  };

  winograd_ = prefers_winograd(op.params(), g);
  if (winograd_) {
    try {
      const auto algorithm = dnnl::algorithm::convolution_winograd;
      forward_pd_ = make_forward(algorithm);
      backward_data_pd_ = make_backward_data(algorithm, forward_pd_);
      backward_weights_pd_ = make_backward_weights(algorithm, forward_pd_);
    } catch (const dnnl::error&) {
      winograd_ = false;  // this CPU, shape or data type has no Winograd implementation
    }
  }
  if (!winograd_) {
    const auto algorithm = dnnl::algorithm::convolution_direct;
    forward_pd_ = make_forward(algorithm);
    backward_data_pd_ = make_backward_data(algorithm, forward_pd_);
    backward_weights_pd_ = make_backward_weights(algorithm, forward_pd_);
  }

  forward_ = dnnl::convolution_forward(forward_pd_);
  backward_data_ = dnnl::convolution_backward_data(backward_data_pd_);
  backward_weights_ = dnnl::convolution_backward_weights(backward_weights_pd_);
  using enum ScratchSlot;
  w_ = LayoutBridge(device_, w_desc, forward_pd_.weights_desc(), kWeights);
  w_data_ = LayoutBridge(device_, w_desc, backward_data_pd_.weights_desc(), kWeights);
  dw_ = LayoutBridge(device_, w_desc, backward_weights_pd_.diff_weights_desc(), kWeights);
  connect(x_desc, y_desc);
  if (bias_) b_ = device_.unbound_memory(b_desc), db_ = device_.unbound_memory(b_desc);
}

void Conv::connect(const dnnl::memory::desc& x_held, const dnnl::memory::desc& y_held) {
  using enum ScratchSlot;
  x_ = LayoutBridge(device_, x_held, forward_pd_.src_desc(), kSource);
  y_ = LayoutBridge(device_, y_held, forward_pd_.dst_desc(), kDestination);
  dy_data_ = LayoutBridge(device_, y_held, backward_data_pd_.diff_dst_desc(), kDestination);
  dx_ = LayoutBridge(device_, x_held, backward_data_pd_.diff_src_desc(), kSource);
  // The weights pass runs after dx and w of the data pass are done with their slots.
  x_weights_ = LayoutBridge(device_, x_held, backward_weights_pd_.src_desc(), kSource);
  dy_weights_ = LayoutBridge(device_, y_held, backward_weights_pd_.diff_dst_desc(), kDestination);
  weights_pass_reuses_dy_ =
      backward_weights_pd_.diff_dst_desc() == backward_data_pd_.diff_dst_desc();
}

void Conv::set_layouts(const std::vector<BlobLayout>& inputs,
                       const std::vector<BlobLayout>& outputs) {
  connect(blob_desc(x_shape_, inputs.at(0)), blob_desc(y_shape_, outputs.at(0)));
}

void Conv::forward(const ForwardArgs<float>& args) {
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_.to_wanted(*args.inputs[0])},
                                                  {DNNL_ARG_WEIGHTS, w_.to_wanted(*args.params[0])},
                                                  {DNNL_ARG_DST, y_.output(*args.outputs[0])}};
  if (bias_) {
    bind(b_, *args.params[1]);
    arguments[DNNL_ARG_BIAS] = b_;
  }
  device_.execute(forward_, arguments);
  y_.to_held();
}

// Conversions live in shared scratch, so backward converts x and w again rather than keep a
// blocked copy of each layer's input alive from forward to backward.
void Conv::backward(const BackwardArgs<float>& args) {
  const bool data_pass = args.input_grads[0] != nullptr;
  if (data_pass) {
    device_.execute(backward_data_, {{DNNL_ARG_DIFF_DST, dy_data_.to_wanted(*args.output_grads[0])},
                                     {DNNL_ARG_WEIGHTS, w_data_.to_wanted(*args.params[0])},
                                     {DNNL_ARG_DIFF_SRC, dx_.output(*args.input_grads[0])}});
    dx_.to_held();
  }
  Tensor* dw = args.param_grads.empty() ? nullptr : args.param_grads[0];
  Tensor* db = bias_ && args.param_grads.size() > 1 ? args.param_grads[1] : nullptr;
  if (!dw && !db) return;
  // One primitive computes both; a gradient nobody asked for lands in scratch.
  const dnnl::memory& x = x_weights_.to_wanted(*args.inputs[0]);
  const dnnl::memory& dy = weights_pass_reuses_dy_ && data_pass
                               ? dy_data_.wanted()
                               : dy_weights_.to_wanted(*args.output_grads[0]);
  std::unordered_map<int, dnnl::memory> arguments{
      {DNNL_ARG_SRC, x},
      {DNNL_ARG_DIFF_DST, dy},
      {DNNL_ARG_DIFF_WEIGHTS, dw_.output(dw ? *dw : scratch_for(scratch_dw_, w_shape_))}};
  if (bias_) {
    bind(db_, db ? *db : scratch_for(scratch_db_, Shape{g_o_}));
    arguments[DNNL_ARG_DIFF_BIAS] = db_;
  }
  device_.execute(backward_weights_, arguments);
  dw_.to_held();
}

}  // namespace svertka::cpu_dnnl

namespace svertka {

void register_cpu_dnnl_conv(KernelRegistry& registry) {
  // A quantized model's layers (ConvParams::int8) get the int8 kernel.
  registry.add_factory(ConvOp::kType, Backend::kCpuDnnl,
                       [](const Op& op, const std::vector<Shape>& inputs,
                          Device& device) -> std::unique_ptr<Kernel> {
                         const auto& conv = dynamic_cast<const ConvOp&>(op);
                         conv.output_shapes(inputs);  // validates before any kernel exists
                         if (conv.params().int8)
                           return std::make_unique<cpu_dnnl::Int8Conv>(conv, inputs, device);
                         return std::make_unique<cpu_dnnl::Conv>(conv, inputs, device);
                       });
}

}  // namespace svertka
