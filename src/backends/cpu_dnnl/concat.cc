#include "backends/cpu_dnnl/concat.h"

#include "svertka/kernel_registry.h"

namespace svertka::cpu_dnnl {

Concat::Concat(const ConcatOp& op, const std::vector<Shape>& inputs, Device& device)
    : device_(as_dnnl(device)),
      geometry_(op.geometry(inputs)),
      x_shapes_(inputs),
      y_shape_(op.output_shapes(inputs)[0]) {
  const ConcatGeometry& g = geometry_;
  const int64_t block = native_channel_block();
  blockable_ = y_shape_.rank() == 4 && g.axis == 1;
  for (size_t i = 0; i < g.sizes.size(); ++i)
    blockable_ = blockable_ && g.sizes[i] % block == 0 && g.offsets[i] % block == 0;
  std::vector<dnnl::memory::desc> x_descs;
  for (int64_t size : g.sizes) x_descs.push_back(plain_desc(dims{g.outer, size, g.inner}));
  build(x_descs, plain_desc(dims{g.outer, g.total, g.inner}));
}

void Concat::build(const std::vector<dnnl::memory::desc>& x_descs,
                   const dnnl::memory::desc& y_desc) {
  x_.clear(), dx_.clear(), dy_block_.clear(), split_.clear();
  for (size_t i = 0; i < x_descs.size(); ++i) {
    dims block_dims = y_desc.dims(), offsets(block_dims.size(), 0);
    block_dims[1] = geometry_.sizes[i];
    offsets[1] = geometry_.offsets[i];
    const auto block_desc = y_desc.submemory_desc(block_dims, offsets);
    x_.push_back(device_.unbound_memory(x_descs[i]));
    dx_.push_back(device_.unbound_memory(x_descs[i]));
    dy_block_.push_back(device_.unbound_memory(block_desc));
    split_.emplace_back(
        dnnl::reorder::primitive_desc(device_.engine(), block_desc, device_.engine(), x_descs[i]));
  }
  forward_ = dnnl::concat(dnnl::concat::primitive_desc(y_desc, 1, x_descs, device_.engine()));
  y_ = device_.unbound_memory(y_desc);
}

void Concat::set_layouts(const std::vector<BlobLayout>& inputs,
                         const std::vector<BlobLayout>& outputs) {
  std::vector<dnnl::memory::desc> x_descs;
  for (size_t i = 0; i < x_shapes_.size(); ++i)
    x_descs.push_back(blob_desc(x_shapes_[i], inputs.at(i)));
  build(x_descs, blob_desc(y_shape_, outputs.at(0)));
}

void Concat::forward(const ForwardArgs<float>& args) {
  bind(y_, *args.outputs[0]);
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_DST, y_}};
  for (size_t i = 0; i < x_.size(); ++i) {
    bind(x_[i], *args.inputs[i]);
    arguments[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = x_[i];
  }
  device_.execute(forward_, arguments);
}

void Concat::backward(const BackwardArgs<float>& args) {
  for (size_t i = 0; i < split_.size(); ++i) {
    if (!args.input_grads[i]) continue;
    // A sub-memory keeps the full tensor's base pointer; its offset is in the descriptor.
    bind(dy_block_[i], *args.output_grads[0]);
    bind(dx_[i], *args.input_grads[i]);
    device_.execute(split_[i], {{DNNL_ARG_FROM, dy_block_[i]}, {DNNL_ARG_TO, dx_[i]}});
  }
}

}  // namespace svertka::cpu_dnnl

namespace svertka {

void register_cpu_dnnl_concat(KernelRegistry& registry) {
  registry.add<ConcatOp, cpu_dnnl::Concat>(Backend::kCpuDnnl);
}

}  // namespace svertka
