#include "backends/cpu_dnnl/dnnl_common.h"

namespace svertka::cpu_dnnl {

dnnl::memory::desc plain_desc(const dims& d) {
  static const tag tags[] = {tag::undef, tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde};
  if (d.size() < 1 || d.size() > 5) throw BackendError("oneDNN descriptors need rank 1 to 5");
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, tags[d.size()]);
}

dnnl::memory::desc plain_desc(const Shape& shape) {
  return plain_desc(shape.dims());
}

int native_channel_block() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  static const int block = (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core ? 16 : 8;
  return block;
}

dnnl::memory::desc blob_desc(const Shape& shape, BlobLayout layout) {
  if (layout == BlobLayout::kPlain) return plain_desc(shape);
  if (shape.rank() != 4)
    throw BackendError("a channel-blocked or channels-last blob must be 4-D, not " + shape.str());
  if (layout == BlobLayout::kU8ChannelsLast)
    return dnnl::memory::desc(shape.dims(), dnnl::memory::data_type::u8, tag::nhwc);
  if (layout == BlobLayout::kChannelsLast)
    return dnnl::memory::desc(shape.dims(), dnnl::memory::data_type::f32, tag::nhwc);
  const tag blocked = native_channel_block() == 16 ? tag::nChw16c : tag::nChw8c;
  return dnnl::memory::desc(shape.dims(), dnnl::memory::data_type::f32, blocked);
}

LayoutBridge::LayoutBridge(DnnlDevice& device, const dnnl::memory::desc& held,
                           const dnnl::memory::desc& wanted, ScratchSlot slot)
    : device_(&device), converts_(held != wanted), slot_(slot), held_(device.unbound_memory(held)) {
  if (!converts_) return;
  wanted_ = device.unbound_memory(wanted);
  into_wanted_ = dnnl::reorder(held_, wanted_);
  into_held_ = dnnl::reorder(wanted_, held_);
}

LayoutBridge LayoutBridge::owning(DnnlDevice& device, const dnnl::memory::desc& held,
                                  const dnnl::memory::desc& wanted) {
  LayoutBridge bridge(device, held, wanted, ScratchSlot::kExtra);
  if (bridge.converts_) {
    const size_t bytes = wanted.get_size();
    bridge.own_ = Tensor(Shape{static_cast<int64_t>((bytes + sizeof(float) - 1) / sizeof(float))});
  }
  return bridge;
}

void LayoutBridge::bind_scratch() {
  wanted_.set_data_handle(own_.defined()
                              ? static_cast<void*>(own_.data())
                              : device_->scratch_buffer(slot_, wanted_.get_desc().get_size()));
}

const dnnl::memory& LayoutBridge::to_wanted(const Tensor& tensor) {
  bind(held_, tensor);
  if (!converts_) return held_;
  bind_scratch();
  device_->execute(into_wanted_, {{DNNL_ARG_FROM, held_}, {DNNL_ARG_TO, wanted_}});
  return wanted_;
}

const dnnl::memory& LayoutBridge::output(Tensor& tensor) {
  bind(held_, tensor);
  if (!converts_) return held_;
  bind_scratch();
  return wanted_;
}

void LayoutBridge::to_held() {
  if (converts_) device_->execute(into_held_, {{DNNL_ARG_FROM, wanted_}, {DNNL_ARG_TO, held_}});
}

dnnl::primitive_attr shared_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::primitive_attr with_relu(dnnl::primitive_attr attr, std::optional<double> negative_slope) {
  if (!negative_slope) return attr;
  dnnl::post_ops ops;
  ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, float(*negative_slope), 0.0f);
  attr.set_post_ops(ops);
  return attr;
}

}  // namespace svertka::cpu_dnnl
