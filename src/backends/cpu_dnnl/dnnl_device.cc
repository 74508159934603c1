#include "backends/cpu_dnnl/dnnl_device.h"

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/backends/cpu_dnnl.h"
#include "svertka/error.h"

namespace svertka::cpu_dnnl {

DnnlDevice::DnnlDevice(Precision precision)
    : Device(Backend::kCpuDnnl, precision), engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
  if (precision == Precision::kBF16 && dnnl_bf16_support() == Bf16Support::kNone)
    throw BackendError("bf16 needs a processor with AVX-512: oneDNN has no bf16 kernels for " +
                       dnnl_cpu_isa() + " (use --precision fp32)");
}

// "oneDNN ISA avx512_core_bf16, bf16 native (avx512_core_bf16), computing in bf16".
std::string DnnlDevice::describe() const {
  return "oneDNN ISA " + dnnl_cpu_isa() + ", bf16 " + dnnl_bf16_description() + ", computing in " +
         std::string(precision_name(precision()));
}

dnnl::memory::data_type DnnlDevice::operand_type() const {
  return precision() == Precision::kBF16 ? dnnl::memory::data_type::bf16
                                         : dnnl::memory::data_type::f32;
}

int DnnlDevice::channel_block() const {
  return native_channel_block();
}

// A reorder from oneDNN's nChw16c / nChw8c, or nhwc, to nchw.
void DnnlDevice::copy_to_plain(const Tensor& held, BlobLayout layout, Tensor& plain) {
  if (!plain.defined() || plain.shape() != held.shape()) plain = Tensor(held.shape());
  auto from = unbound_memory(blob_desc(held.shape(), layout));
  auto to = unbound_memory(plain_desc(plain.shape()));
  bind(from, held);
  bind(to, plain);
  execute(dnnl::reorder(from, to), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

// A reorder from u8 nhwc to f32 nchw, scaling as it goes.
void DnnlDevice::dequantize_to_plain(const Tensor& codes, float scale, Tensor& plain) {
  if (!plain.defined() || plain.shape() != codes.shape()) plain = Tensor(codes.shape());
  auto from = unbound_memory(blob_desc(codes.shape(), BlobLayout::kU8ChannelsLast));
  auto to = unbound_memory(plain_desc(plain.shape()));
  bind(from, codes);
  bind(to, plain);
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {scale});
  execute(dnnl::reorder(dnnl::reorder::primitive_desc(from, to, attr)),
          {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

dnnl::memory DnnlDevice::unbound_memory(const dnnl::memory::desc& desc) const {
  return dnnl::memory(desc, engine_, DNNL_MEMORY_NONE);
}

void* DnnlDevice::scratch_buffer(ScratchSlot slot, size_t bytes) {
  Tensor& buffer = scratch_[static_cast<size_t>(slot)];
  const auto floats = static_cast<int64_t>((bytes + sizeof(float) - 1) / sizeof(float));
  if (!buffer.defined() || buffer.numel() < floats) {
    buffer = Tensor();  // free the smaller buffer first: both at once would raise the peak
    buffer = Tensor(Shape{floats});
  }
  return buffer.data();
}

void DnnlDevice::execute(const dnnl::primitive& primitive,
                         const std::unordered_map<int, dnnl::memory>& arguments) {
  const dnnl_memory_desc_t* scratchpad =
      dnnl_primitive_desc_query_md(primitive.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  const size_t bytes = scratchpad ? dnnl_memory_desc_get_size(scratchpad) : 0;
  if (bytes == 0) {
    primitive.execute(stream_, arguments);
  } else {
    auto with_scratchpad = arguments;
    with_scratchpad[DNNL_ARG_SCRATCHPAD] = dnnl::memory(
        dnnl::memory::desc(*scratchpad), engine_, scratch_buffer(ScratchSlot::kScratchpad, bytes));
    primitive.execute(stream_, with_scratchpad);
  }
  stream_.wait();
}

DnnlDevice& as_dnnl(Device& device) {
  if (auto* dnnl_device = dynamic_cast<DnnlDevice*>(&device)) return *dnnl_device;
  throw BackendError("a cpu_dnnl kernel was asked to run on a " +
                     std::string(backend_name(device.backend())) + " device");
}

}  // namespace svertka::cpu_dnnl
