#include "backends/cpu_dnnl/inner_product.h"

#include "backends/cpu_dnnl/int8_inner_product.h"
#include "svertka/kernel_registry.h"

namespace svertka::cpu_dnnl {

InnerProduct::InnerProduct(const InnerProductOp& op, const std::vector<Shape>& inputs,
                           Device& device)
    : device_(as_dnnl(device)), bias_(op.params().bias) {
  const Shape& x = inputs.at(0);
  const int64_t n = x[0], k = op.in_features(x), o = op.params().out_features;
  w_shape_ = Shape{o, k};
  b_shape_ = Shape{o};
  // The input buffer is contiguous, so viewing (N, C, H, W) as (N, C*H*W) is exact.
  x_desc_ = plain_desc(dims{n, k});
  w_desc_ = plain_desc(dims{o, k});
  b_desc_ = bias_ ? plain_desc(dims{o}) : dnnl::memory::desc();
  y_desc_ = plain_desc(dims{n, o});
  make_forward();
  y_ = device_.unbound_memory(y_desc_);
  if (bias_) b_ = device_.unbound_memory(b_desc_);
}

void InnerProduct::make_forward() {
  forward_pd_ = dnnl::inner_product_forward::primitive_desc(
      {dnnl::prop_kind::forward_training, as_operand(x_desc_), as_operand(w_desc_), b_desc_,
       y_desc_},
      with_relu(shared_scratchpad(), relu_), device_.engine());
  forward_ = dnnl::inner_product_forward(forward_pd_);
  using enum ScratchSlot;
  x_ = LayoutBridge(device_, x_desc_, forward_pd_.src_desc(), kSource);
  w_ = LayoutBridge(device_, w_desc_, forward_pd_.weights_desc(), kWeights);
}

bool InnerProduct::fuse_relu(double negative_slope) {
  return remake_with_relu(relu_, negative_slope, [&] { make_forward(); });
}

// Operands in the device's operand type (bf16: any layout, chosen by the primitive; f32: the
// tensors as they are); results in plain f32.
dnnl::memory::desc InnerProduct::as_operand(const dnnl::memory::desc& d) const {
  const auto operand = device_.operand_type();
  if (operand == dnnl::memory::data_type::f32) return d;
  return dnnl::memory::desc(d.dims(), operand, tag::any);
}

void InnerProduct::make_backward() {
  if (backward_made_) return;
  const dnnl::inner_product_backward_data::primitive_desc backward_data_pd(
      {x_desc_, as_operand(w_desc_), as_operand(y_desc_)}, shared_scratchpad(), device_.engine(),
      forward_pd_);
  const dnnl::inner_product_backward_weights::primitive_desc backward_weights_pd(
      {as_operand(x_desc_), w_desc_, b_desc_, as_operand(y_desc_)}, shared_scratchpad(),
      device_.engine(), forward_pd_);
  backward_data_ = dnnl::inner_product_backward_data(backward_data_pd);
  backward_weights_ = dnnl::inner_product_backward_weights(backward_weights_pd);
  using enum ScratchSlot;
  dy_data_ = LayoutBridge(device_, y_desc_, backward_data_pd.diff_dst_desc(), kDestination);
  w_data_ = LayoutBridge(device_, w_desc_, backward_data_pd.weights_desc(), kWeights);
  x_weights_ = LayoutBridge(device_, x_desc_, backward_weights_pd.src_desc(), kSource);
  dy_weights_ = LayoutBridge(device_, y_desc_, backward_weights_pd.diff_dst_desc(), kDestination);
  weights_pass_reuses_dy_ = backward_weights_pd.diff_dst_desc() == backward_data_pd.diff_dst_desc();
  keeps_weights_ = w_.converts() && backward_data_pd.weights_desc() == forward_pd_.weights_desc();
  if (keeps_weights_) w_kept_ = LayoutBridge::owning(device_, w_desc_, forward_pd_.weights_desc());
  dx_ = device_.unbound_memory(x_desc_), dw_ = device_.unbound_memory(w_desc_);
  if (bias_) db_ = device_.unbound_memory(b_desc_);
  backward_made_ = true;
}

void InnerProduct::forward(const ForwardArgs<float>& args) {
  bind(y_, *args.outputs[0]);
  const Tensor& w = *args.params[0];
  if (keeps_weights_) w_kept_from_ = w.data();
  std::unordered_map<int, dnnl::memory> arguments{
      {DNNL_ARG_SRC, x_.to_wanted(*args.inputs[0])},
      {DNNL_ARG_WEIGHTS, (keeps_weights_ ? w_kept_ : w_).to_wanted(w)},
      {DNNL_ARG_DST, y_}};
  if (bias_) {
    bind(b_, *args.params[1]);
    arguments[DNNL_ARG_BIAS] = b_;
  }
  device_.execute(forward_, arguments);
}

void InnerProduct::backward(const BackwardArgs<float>& args) {
  if (relu_)
    throw BackendError(
        "an inner product with its ReLU fused (an inference net's) has no backward pass");
  make_backward();
  const bool data_pass = args.input_grads[0] != nullptr;
  if (data_pass) {
    bind(dx_, *args.input_grads[0]);
    // The weights the forward pass rounded, if it rounded these (the solver changes them only
    // after backward); else rounded now.
    const Tensor& w = *args.params[0];
    const bool kept = keeps_weights_ && w_kept_from_ == w.data();
    device_.execute(backward_data_, {{DNNL_ARG_DIFF_SRC, dx_},
                                     {DNNL_ARG_WEIGHTS, kept ? w_kept_.wanted() : w_data_.to_wanted(w)},
                                     {DNNL_ARG_DIFF_DST, dy_data_.to_wanted(*args.output_grads[0])}});
  }
  w_kept_from_ = nullptr;  // one backward pass per forward pass
  Tensor* dw = args.param_grads.empty() ? nullptr : args.param_grads[0];
  Tensor* db = bias_ && args.param_grads.size() > 1 ? args.param_grads[1] : nullptr;
  if (!dw && !db) return;
  // One primitive computes both; a gradient nobody asked for lands in scratch.
  const dnnl::memory& dy = weights_pass_reuses_dy_ && data_pass
                               ? dy_data_.wanted()
                               : dy_weights_.to_wanted(*args.output_grads[0]);
  bind(dw_, dw ? *dw : scratch_for(scratch_dw_, w_shape_));
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_weights_.to_wanted(*args.inputs[0])},
                                                  {DNNL_ARG_DIFF_WEIGHTS, dw_},
                                                  {DNNL_ARG_DIFF_DST, dy}};
  if (bias_) {
    bind(db_, db ? *db : scratch_for(scratch_db_, b_shape_));
    arguments[DNNL_ARG_DIFF_BIAS] = db_;
  }
  device_.execute(backward_weights_, arguments);
}

}  // namespace svertka::cpu_dnnl

namespace svertka {

void register_cpu_dnnl_inner_product(KernelRegistry& registry) {
  // A quantized model's layers (InnerProductParams::int8) get the int8 kernel.
  registry.add_factory(InnerProductOp::kType, Backend::kCpuDnnl,
                       [](const Op& op, const std::vector<Shape>& inputs,
                          Device& device) -> std::unique_ptr<Kernel> {
                         const auto& ip = dynamic_cast<const InnerProductOp&>(op);
                         ip.output_shapes(inputs);  // validates before any kernel exists
                         if (ip.params().int8)
                           return std::make_unique<cpu_dnnl::Int8InnerProduct>(ip, inputs, device);
                         return std::make_unique<cpu_dnnl::InnerProduct>(ip, inputs, device);
                       });
}

}  // namespace svertka
