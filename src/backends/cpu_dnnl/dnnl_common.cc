#include "backends/cpu_dnnl/dnnl_common.h"

#include <array>

namespace svertka::cpu_dnnl {

dnnl::engine& engine() {
  static dnnl::engine cpu_engine(dnnl::engine::kind::cpu, 0);
  return cpu_engine;
}

dnnl::stream& stream() {
  static dnnl::stream cpu_stream(engine());
  return cpu_stream;
}

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
    throw BackendError("a channel-blocked blob must be 4-D, not " + shape.str());
  const tag blocked = native_channel_block() == 16 ? tag::nChw16c : tag::nChw8c;
  return dnnl::memory::desc(shape.dims(), dnnl::memory::data_type::f32, blocked);
}

dnnl::memory unbound_memory(const dnnl::memory::desc& desc) {
  return dnnl::memory(desc, engine(), DNNL_MEMORY_NONE);
}

void* scratch_buffer(ScratchSlot slot, size_t bytes) {
  constexpr size_t kSlots = static_cast<size_t>(ScratchSlot::kScratchpad) + 1;
  thread_local std::array<Tensor, kSlots> buffers;
  Tensor& buffer = buffers[static_cast<size_t>(slot)];
  const auto floats = static_cast<int64_t>((bytes + sizeof(float) - 1) / sizeof(float));
  if (!buffer.defined() || buffer.numel() < floats) {
    buffer = Tensor();  // free the smaller buffer first: both at once would raise the peak
    buffer = Tensor(Shape{floats});
  }
  return buffer.data();
}

LayoutBridge::LayoutBridge(const dnnl::memory::desc& held, const dnnl::memory::desc& wanted,
                           ScratchSlot slot)
    : converts_(held != wanted), slot_(slot), held_(unbound_memory(held)) {
  if (!converts_) return;
  wanted_ = unbound_memory(wanted);
  into_wanted_ = dnnl::reorder(held_, wanted_);
  into_held_ = dnnl::reorder(wanted_, held_);
}

void LayoutBridge::bind_scratch() {
  wanted_.set_data_handle(scratch_buffer(slot_, wanted_.get_desc().get_size()));
}

const dnnl::memory& LayoutBridge::to_wanted(const Tensor& tensor) {
  bind(held_, tensor);
  if (!converts_) return held_;
  bind_scratch();
  execute(into_wanted_, {{DNNL_ARG_FROM, held_}, {DNNL_ARG_TO, wanted_}});
  return wanted_;
}

const dnnl::memory& LayoutBridge::output(Tensor& tensor) {
  bind(held_, tensor);
  if (!converts_) return held_;
  bind_scratch();
  return wanted_;
}

void LayoutBridge::to_held() {
  if (converts_) execute(into_held_, {{DNNL_ARG_FROM, wanted_}, {DNNL_ARG_TO, held_}});
}

dnnl::primitive_attr shared_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void execute(const dnnl::primitive& primitive,
             const std::unordered_map<int, dnnl::memory>& arguments) {
  const dnnl_memory_desc_t* scratchpad =
      dnnl_primitive_desc_query_md(primitive.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  const size_t bytes = scratchpad ? dnnl_memory_desc_get_size(scratchpad) : 0;
  if (bytes == 0) {
    primitive.execute(stream(), arguments);
  } else {
    auto with_scratchpad = arguments;
    with_scratchpad[DNNL_ARG_SCRATCHPAD] = dnnl::memory(
        dnnl::memory::desc(*scratchpad), engine(), scratch_buffer(ScratchSlot::kScratchpad, bytes));
    primitive.execute(stream(), with_scratchpad);
  }
  stream().wait();
}

}  // namespace svertka::cpu_dnnl
