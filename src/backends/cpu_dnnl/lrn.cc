#include "backends/cpu_dnnl/lrn.h"

namespace svertka::cpu_dnnl {

Lrn::Lrn(const LrnOp& op, const std::vector<Shape>& inputs) : label_(op.label()) {
  const auto desc = plain_desc(op.output_shapes(inputs)[0]);
  const LrnParams& p = op.params();
  // oneDNN's across-channel LRN also divides alpha by local_size and centres the window of an odd
  // local_size on c, as Caffe does.
  const auto algorithm = dnnl::algorithm::lrn_across_channels;
  const auto alpha = static_cast<float>(p.alpha), beta = static_cast<float>(p.beta),
             k = static_cast<float>(p.k);
  const dnnl::lrn_forward::primitive_desc forward_pd(
      {dnnl::prop_kind::forward_training, algorithm, desc, p.local_size, alpha, beta, k}, engine());
  const dnnl::lrn_backward::primitive_desc backward_pd(
      {algorithm, desc, desc, p.local_size, alpha, beta, k}, engine(), forward_pd);
  forward_ = dnnl::lrn_forward(forward_pd);
  backward_ = dnnl::lrn_backward(backward_pd);
  x_ = unbound_memory(desc), y_ = unbound_memory(desc);
  dx_ = unbound_memory(desc), dy_ = unbound_memory(desc);
  const auto workspace_desc = forward_pd.workspace_desc();
  uses_workspace_ = workspace_desc.get_size() > 0;
  if (uses_workspace_) workspace_ = dnnl::memory(workspace_desc, engine());
}

void Lrn::forward(const ForwardArgs<float>& args) {
  bind(x_, *args.inputs[0]);
  bind(y_, *args.outputs[0]);
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}};
  if (uses_workspace_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  execute(forward_, arguments);
  forwarded_ = true;
}

// The workspace holds the scales of the latest forward, which was run on the same x.
void Lrn::backward(const BackwardArgs<float>& args) {
  Tensor* dx = args.input_grads[0];
  if (!dx) return;
  if (uses_workspace_ && !forwarded_) throw Error(label_ + ": LRN backward needs a forward first");
  bind(x_, *args.inputs[0]);
  bind(dy_, *args.output_grads[0]);
  bind(dx_, *dx);
  std::unordered_map<int, dnnl::memory> arguments{
      {DNNL_ARG_SRC, x_}, {DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_DIFF_SRC, dx_}};
  if (uses_workspace_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  execute(backward_, arguments);
}

}  // namespace svertka::cpu_dnnl
