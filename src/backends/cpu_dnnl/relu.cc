#include "backends/cpu_dnnl/relu.h"

#include "svertka/kernel_registry.h"

namespace svertka::cpu_dnnl {

Relu::Relu(const ReluOp& op, const std::vector<Shape>& inputs, Device& device)
    : device_(as_dnnl(device)) {
  const auto desc = plain_desc(dims{inputs.at(0).numel()});
  const auto algorithm = dnnl::algorithm::eltwise_relu_use_dst_for_bwd;
  const float slope = static_cast<float>(op.params().negative_slope);  // oneDNN's alpha

  const dnnl::eltwise_forward::primitive_desc forward_pd(
      {dnnl::prop_kind::forward_training, algorithm, desc, slope}, device_.engine());
  const dnnl::eltwise_backward::primitive_desc backward_pd({algorithm, desc, desc, slope},
                                                           device_.engine(), forward_pd);
  forward_ = dnnl::eltwise_forward(forward_pd);
  backward_ = dnnl::eltwise_backward(backward_pd);
  x_ = device_.unbound_memory(desc), y_ = device_.unbound_memory(desc);
  dx_ = device_.unbound_memory(desc), dy_ = device_.unbound_memory(desc);
}

void Relu::forward(const ForwardArgs<float>& args) {
  bind(x_, *args.inputs[0]);
  bind(y_, *args.outputs[0]);
  device_.execute(forward_, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}});
}

void Relu::backward(const BackwardArgs<float>& args) {
  Tensor* dx = args.input_grads[0];
  if (!dx) return;
  bind(y_, *args.outputs[0]);
  bind(dy_, *args.output_grads[0]);
  bind(dx_, *dx);
  device_.execute(backward_,
                  {{DNNL_ARG_DST, y_}, {DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_DIFF_SRC, dx_}});
}

}  // namespace svertka::cpu_dnnl

namespace svertka {

void register_cpu_dnnl_relu(KernelRegistry& registry) {
  registry.add<ReluOp, cpu_dnnl::Relu>(Backend::kCpuDnnl);
}

}  // namespace svertka
