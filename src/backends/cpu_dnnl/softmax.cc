#include "backends/cpu_dnnl/softmax.h"

#include "svertka/kernel_registry.h"

namespace svertka::cpu_dnnl {

Softmax::Softmax(const SoftmaxOp& op, const std::vector<Shape>& inputs, Device& device)
    : device_(as_dnnl(device)) {
  const SoftmaxGeometry g = op.geometry(inputs.at(0));
  const auto desc = plain_desc(dims{g.outer, g.channels, g.inner});
  const dnnl::softmax_forward::primitive_desc forward_pd(
      {dnnl::prop_kind::forward_training, desc, 1}, device_.engine());
  const dnnl::softmax_backward::primitive_desc backward_pd({desc, desc, 1}, device_.engine(),
                                                           forward_pd);
  forward_ = dnnl::softmax_forward(forward_pd);
  backward_ = dnnl::softmax_backward(backward_pd);
  x_ = device_.unbound_memory(desc), y_ = device_.unbound_memory(desc);
  dx_ = device_.unbound_memory(desc), dy_ = device_.unbound_memory(desc);
}

void Softmax::forward(const ForwardArgs<float>& args) {
  bind(x_, *args.inputs[0]);
  bind(y_, *args.outputs[0]);
  device_.execute(forward_, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}});
}

void Softmax::backward(const BackwardArgs<float>& args) {
  if (!args.input_grads[0]) return;
  bind(y_, *args.outputs[0]);
  bind(dy_, *args.output_grads[0]);
  bind(dx_, *args.input_grads[0]);
  device_.execute(backward_,
                  {{DNNL_ARG_DST, y_}, {DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_DIFF_SRC, dx_}});
}

}  // namespace svertka::cpu_dnnl

namespace svertka {

void register_cpu_dnnl_softmax(KernelRegistry& registry) {
  registry.add<SoftmaxOp, cpu_dnnl::Softmax>(Backend::kCpuDnnl);
}

}  // namespace svertka
