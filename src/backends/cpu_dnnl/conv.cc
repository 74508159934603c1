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
  descs_.x = plain_desc(dims{g.n, g.c, g.h, g.w});
  descs_.y = plain_desc(dims{g.n, g.o, g.oh, g.ow});
  // Grouped weights (G, O/G, C/G, KH, KW) have the same memory as (O, C/G, KH, KW).
  descs_.w = g.groups == 1
                 ? plain_desc(dims{g.o, g.c, g.kh, g.kw})
                 : plain_desc(dims{g.groups, g.o_per_group(), g.c_per_group(), g.kh, g.kw});
  descs_.b = bias_ ? plain_desc(dims{g.o}) : dnnl::memory::desc();
  descs_.strides = {g.sh, g.sw};
  descs_.pad_l = {g.ph, g.pw};
  // Caffe's floor rounding can leave the last rows of the padded input unused: the right padding
  // oneDNN needs is what makes its output size formula give ours.
  descs_.pad_r = {(g.oh - 1) * g.sh + g.kh - g.h - g.ph, (g.ow - 1) * g.sw + g.kw - g.w - g.pw};
  x_held_ = descs_.x, y_held_ = descs_.y;
  prefers_winograd_ = prefers_winograd(op.params(), g);
  choose_forward();
  if (bias_) b_ = device_.unbound_memory(descs_.b), db_ = device_.unbound_memory(descs_.b);
}

void Conv::choose_forward() {
  forward_ = dnnl::convolution_forward();
  winograd_ = prefers_winograd_;
  if (winograd_) {
    try {
      set_forward(make_forward(dnnl::algorithm::convolution_winograd));
    } catch (const dnnl::error&) {
      winograd_ = false;  // this CPU, shape or data type has no Winograd implementation
    }
  }
  if (!winograd_ && plain_weights_preferred()) {
    try {
      set_forward(make_forward(dnnl::algorithm::convolution_direct, /*plain_weights=*/true));
    } catch (const dnnl::error&) {  // no kernel for plain weights: converted per call after all
    }
  }
  if (!forward_) set_forward(make_forward(dnnl::algorithm::convolution_direct));
}

bool Conv::fuse_relu(double negative_slope) {
  const bool winograd_unfused = winograd_;
  if (!remake_with_relu(relu_, negative_slope, [&] { choose_forward(); })) return false;
  if (winograd_ || !winograd_unfused) return true;
  // Winograd has no kernel with the post-op here: Winograd and a ReLU layer beat direct with it.
  relu_.reset();
  choose_forward();
  return false;
}

namespace {

dnnl::memory::desc any(const dnnl::memory::desc& d, dnnl::memory::data_type type) {
  return dnnl::memory::desc(d.dims(), type, tag::any);
}

}  // namespace

// The primitives pick their layouts. Operands (x, w, dy) are of the device's operand type (bf16 or
// f32), and the bridges convert to it; results (y, dx, dw, db) and the bias stay f32.
dnnl::convolution_forward::primitive_desc Conv::make_forward(dnnl::algorithm algorithm,
                                                             bool plain_weights) const {
  const auto operand = device_.operand_type(), f32 = dnnl::memory::data_type::f32;
  return dnnl::convolution_forward::primitive_desc(
      {dnnl::prop_kind::forward_training, algorithm, any(descs_.x, operand),
       plain_weights ? descs_.w : any(descs_.w, operand), descs_.b, any(descs_.y, f32),
       descs_.strides, descs_.pad_l, descs_.pad_r},
      with_relu(shared_scratchpad(), relu_), device_.engine());
}

// A weight of kPlainWeightBytes or more (a fully connected layer run as a convolution in dense
// evaluation: VGG-16's fc6 is 411 MB) is read in its plain layout: converting it to a blocked one
// at every call would hold a second copy of that size in scratch and stream it through memory
// twice, for a layer whose time is in reading its weights anyway. fp32 only (bf16 converts).
bool Conv::plain_weights_preferred() const {
  constexpr int64_t kPlainWeightBytes = int64_t{64} << 20;
  return device_.operand_type() == dnnl::memory::data_type::f32 &&
         w_shape_.numel() * int64_t(sizeof(float)) >= kPlainWeightBytes;
}

void Conv::set_forward(const dnnl::convolution_forward::primitive_desc& pd) {
  forward_pd_ = pd;
  forward_ = dnnl::convolution_forward(forward_pd_);
  w_ = LayoutBridge(device_, descs_.w, forward_pd_.weights_desc(), ScratchSlot::kWeights);
  connect_forward();
}

void Conv::make_backward() {
  if (backward_made_) return;
  const auto operand = device_.operand_type(), f32 = dnnl::memory::data_type::f32;
  const Descs& d = descs_;
  auto make = [&](dnnl::algorithm algorithm) {
    backward_data_pd_ = dnnl::convolution_backward_data::primitive_desc(
        {algorithm, any(d.x, f32), any(d.w, operand), any(d.y, operand), d.strides, d.pad_l,
         d.pad_r},
        shared_scratchpad(), device_.engine(), forward_pd_);
    backward_weights_pd_ = dnnl::convolution_backward_weights::primitive_desc(
        {algorithm, any(d.x, operand), any(d.w, f32), d.b, any(d.y, operand), d.strides, d.pad_l,
         d.pad_r},
        shared_scratchpad(), device_.engine(), forward_pd_);
  };
  if (winograd_) {
    try {
      make(dnnl::algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
      // Winograd forward without its backward: all three direct, so they agree.
      winograd_ = false;
      set_forward(make_forward(dnnl::algorithm::convolution_direct));
    }
  }
  if (!winograd_) make(dnnl::algorithm::convolution_direct);
  backward_data_ = dnnl::convolution_backward_data(backward_data_pd_);
  backward_weights_ = dnnl::convolution_backward_weights(backward_weights_pd_);
  using enum ScratchSlot;
  w_data_ = LayoutBridge(device_, d.w, backward_data_pd_.weights_desc(), kWeights);
  dw_ = LayoutBridge(device_, d.w, backward_weights_pd_.diff_weights_desc(), kWeights);
  backward_made_ = true;
  connect_backward();
}

void Conv::connect_forward() {
  using enum ScratchSlot;
  x_ = LayoutBridge(device_, x_held_, forward_pd_.src_desc(), kSource);
  y_ = LayoutBridge(device_, y_held_, forward_pd_.dst_desc(), kDestination);
}

void Conv::connect_backward() {
  if (!backward_made_) return;
  using enum ScratchSlot;
  dy_data_ = LayoutBridge(device_, y_held_, backward_data_pd_.diff_dst_desc(), kDestination);
  dx_ = LayoutBridge(device_, x_held_, backward_data_pd_.diff_src_desc(), kSource);
  // The weights pass runs after dx and w of the data pass are done with their slots.
  x_weights_ = LayoutBridge(device_, x_held_, backward_weights_pd_.src_desc(), kSource);
  dy_weights_ = LayoutBridge(device_, y_held_, backward_weights_pd_.diff_dst_desc(), kDestination);
  weights_pass_reuses_dy_ =
      backward_weights_pd_.diff_dst_desc() == backward_data_pd_.diff_dst_desc();
}

void Conv::set_layouts(const std::vector<BlobLayout>& inputs,
                       const std::vector<BlobLayout>& outputs) {
  x_held_ = blob_desc(x_shape_, inputs.at(0));
  y_held_ = blob_desc(y_shape_, outputs.at(0));
  connect_forward();
  connect_backward();
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
  if (relu_)
    throw BackendError(
        "a convolution with its ReLU fused (an inference net's) has no backward pass");
  make_backward();
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
