#include "backends/cpu_dnnl/lrn.h"

namespace svertka::cpu_dnnl {

Lrn::Lrn(const LrnOp& op, const std::vector<Shape>& inputs) : label_(op.label()) {
  const Shape shape = op.output_shapes(inputs)[0];
  const auto plain = plain_desc(shape);
  const auto blocked = dnnl::memory::desc(shape.dims(), dnnl::memory::data_type::f32, tag::nChw16c);
  const LrnParams& p = op.params();
  // oneDNN's across-channel LRN also divides alpha by local_size and centres the window of an odd
  // local_size on c, as Caffe does.
  const auto algorithm = dnnl::algorithm::lrn_across_channels;
  const auto alpha = static_cast<float>(p.alpha), beta = static_cast<float>(p.beta),
             k = static_cast<float>(p.k);
  inference_ = dnnl::lrn_forward(dnnl::lrn_forward::primitive_desc(
      {dnnl::prop_kind::forward_inference, algorithm, plain, p.local_size, alpha, beta, k},
      engine()));
  const dnnl::lrn_forward::primitive_desc forward_pd(
      {dnnl::prop_kind::forward_training, algorithm, blocked, p.local_size, alpha, beta, k},
      engine());
  const dnnl::lrn_backward::primitive_desc backward_pd(
      {algorithm, blocked, blocked, p.local_size, alpha, beta, k}, engine(), forward_pd);
  forward_ = dnnl::lrn_forward(forward_pd);
  backward_ = dnnl::lrn_backward(backward_pd);
  x_ = unbound_memory(plain), y_ = unbound_memory(plain);
  dx_ = unbound_memory(plain), dy_ = unbound_memory(plain);
  x_blocked_ = unbound_memory(blocked), y_blocked_ = unbound_memory(blocked);
  dx_blocked_ = unbound_memory(blocked), dy_blocked_ = unbound_memory(blocked);
  to_blocked_ = dnnl::reorder(x_, x_blocked_);
  to_plain_ = dnnl::reorder(y_blocked_, y_);
  const auto workspace_desc = forward_pd.workspace_desc();
  uses_workspace_ = workspace_desc.get_size() > 0;
  if (uses_workspace_) workspace_ = dnnl::memory(workspace_desc, engine());
}

void Lrn::forward(const ForwardArgs<float>& args) {
  bind(x_, *args.inputs[0]);
  bind(y_, *args.outputs[0]);
  if (args.phase == Phase::kTest) {
    execute(inference_, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}});
    return;
  }
  const size_t bytes = x_blocked_.get_desc().get_size();
  x_blocked_.set_data_handle(scratch_buffer(ScratchSlot::kSource, bytes));
  y_blocked_.set_data_handle(scratch_buffer(ScratchSlot::kDestination, bytes));
  execute(to_blocked_, {{DNNL_ARG_FROM, x_}, {DNNL_ARG_TO, x_blocked_}});
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_blocked_},
                                                  {DNNL_ARG_DST, y_blocked_}};
  if (uses_workspace_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  execute(forward_, arguments);
  execute(to_plain_, {{DNNL_ARG_FROM, y_blocked_}, {DNNL_ARG_TO, y_}});
  forwarded_ = true;
}

// The workspace holds the latest training forward, which was run on the same x; the blocked
// buffers are shared scratch, so x is converted again.
void Lrn::backward(const BackwardArgs<float>& args) {
  Tensor* dx = args.input_grads[0];
  if (!dx) return;
  if (!forwarded_) throw Error(label_ + ": LRN backward needs a training forward first");
  bind(x_, *args.inputs[0]);
  bind(dy_, *args.output_grads[0]);
  bind(dx_, *dx);
  const size_t bytes = x_blocked_.get_desc().get_size();
  x_blocked_.set_data_handle(scratch_buffer(ScratchSlot::kSource, bytes));
  dy_blocked_.set_data_handle(scratch_buffer(ScratchSlot::kDestination, bytes));
  dx_blocked_.set_data_handle(scratch_buffer(ScratchSlot::kExtra, bytes));
  execute(to_blocked_, {{DNNL_ARG_FROM, x_}, {DNNL_ARG_TO, x_blocked_}});
  execute(to_blocked_, {{DNNL_ARG_FROM, dy_}, {DNNL_ARG_TO, dy_blocked_}});
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_blocked_},
                                                  {DNNL_ARG_DIFF_DST, dy_blocked_},
                                                  {DNNL_ARG_DIFF_SRC, dx_blocked_}};
  if (uses_workspace_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  execute(backward_, arguments);
  execute(to_plain_, {{DNNL_ARG_FROM, dx_blocked_}, {DNNL_ARG_TO, dx_}});
}

}  // namespace svertka::cpu_dnnl
