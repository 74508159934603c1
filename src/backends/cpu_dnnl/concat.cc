#include "backends/cpu_dnnl/concat.h"

namespace svertka::cpu_dnnl {

Concat::Concat(const ConcatOp& op, const std::vector<Shape>& inputs) {
  const ConcatGeometry g = op.geometry(inputs);
  const auto y_desc = plain_desc(dims{g.outer, g.total, g.inner});
  std::vector<dnnl::memory::desc> x_descs;
  for (size_t i = 0; i < g.sizes.size(); ++i) {
    const auto x_desc = plain_desc(dims{g.outer, g.sizes[i], g.inner});
    const auto block_desc =
        y_desc.submemory_desc({g.outer, g.sizes[i], g.inner}, {0, g.offsets[i], 0});
    x_descs.push_back(x_desc);
    x_.push_back(unbound_memory(x_desc));
    dx_.push_back(unbound_memory(x_desc));
    dy_block_.push_back(unbound_memory(block_desc));
    split_.emplace_back(dnnl::reorder::primitive_desc(engine(), block_desc, engine(), x_desc));
  }
  forward_ = dnnl::concat(dnnl::concat::primitive_desc(y_desc, 1, x_descs, engine()));
  y_ = unbound_memory(y_desc);
}

void Concat::forward(const ForwardArgs<float>& args) {
  bind(y_, *args.outputs[0]);
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_DST, y_}};
  for (size_t i = 0; i < x_.size(); ++i) {
    bind(x_[i], *args.inputs[i]);
    arguments[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = x_[i];
  }
  execute(forward_, arguments);
}

void Concat::backward(const BackwardArgs<float>& args) {
  for (size_t i = 0; i < split_.size(); ++i) {
    if (!args.input_grads[i]) continue;
    // A sub-memory keeps the full tensor's base pointer; its offset is in the descriptor.
    bind(dy_block_[i], *args.output_grads[0]);
    bind(dx_[i], *args.input_grads[i]);
    execute(split_[i], {{DNNL_ARG_FROM, dy_block_[i]}, {DNNL_ARG_TO, dx_[i]}});
  }
}

}  // namespace svertka::cpu_dnnl
