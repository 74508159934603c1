#include "backends/cpu_dnnl/int8_common.h"

#include <algorithm>
#include <cmath>

#include "svertka/backends/cpu_dnnl.h"

namespace svertka::cpu_dnnl {

std::vector<float> weight_channel_scales(const Tensor& w, int64_t rows, float code_max) {
  const int64_t per_row = w.numel() / rows;
  std::vector<float> scales(static_cast<size_t>(rows));
  for (int64_t o = 0; o < rows; ++o) {
    float largest = 0;
    for (int64_t i = 0; i < per_row; ++i)
      largest = std::max(largest, std::fabs(w[o * per_row + i]));
    scales[static_cast<size_t>(o)] = largest > 0 ? largest / code_max : 1;
  }
  return scales;
}

float inner_product_code_max() {
  return dnnl_int8_vnni() ? 127 : 63;
}

dnnl::memory::data_type input_type(const Int8Quantization& q) {
  return q.input_unsigned() && dnnl_int8_vnni() ? dnnl::memory::data_type::u8
                                                : dnnl::memory::data_type::s8;
}

float input_step(const Int8Quantization& q) {
  const bool seven_bits = q.input_unsigned() && !dnnl_int8_vnni();
  return seven_bits ? q.input_scale * 255 / 127 : q.input_scale;
}

dnnl::primitive_attr int8_attributes(const std::vector<float>& output_scales) {
  dnnl::primitive_attr attr = shared_scratchpad();
  attr.set_output_scales(1 << 1, output_scales);
  return attr;
}

Int8Input::Int8Input(DnnlDevice& device, const dnnl::memory::desc& held,
                     const dnnl::memory::desc& wanted, float input_scale)
    : device_(&device),
      converts_(held != wanted),
      held_(device.unbound_memory(held)),
      wanted_(device.unbound_memory(wanted)) {
  if (!converts_) return;
  const bool codes = held.data_type() == dnnl::memory::data_type::u8;  // already on the grid
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {codes ? 1 : 1 / input_scale});  // rounds to nearest and saturates
  reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(held_, wanted_, attr));
}

const dnnl::memory& Int8Input::quantize(const Tensor& x) {
  bind(held_, x);
  if (!converts_) return held_;
  wanted_.set_data_handle(
      device_->scratch_buffer(ScratchSlot::kSource, wanted_.get_desc().get_size()));
  device_->execute(reorder_, {{DNNL_ARG_FROM, held_}, {DNNL_ARG_TO, wanted_}});
  return wanted_;
}

Int8Weights quantize_weights(DnnlDevice& device, const Tensor& w, const dnnl::memory::desc& w_desc,
                             const dnnl::memory::desc& wanted, int64_t rows, const Tensor* b,
                             float input_scale, float code_max) {
  Int8Weights result;
  const std::vector<float> scales = weight_channel_scales(w, rows, code_max);
  std::vector<float> inverse(scales.size());
  for (size_t o = 0; o < scales.size(); ++o) inverse[o] = 1 / scales[o];
  // Per output channel: dimension 0, and 1 too for grouped weights (G, O/G, ...), whose
  // (g, o) pairs run in the order of the output channels.
  const int mask = w_desc.dims().size() == 5 ? (1 << 0) | (1 << 1) : 1 << 0;
  dnnl::primitive_attr attr;
  attr.set_output_scales(mask, inverse);
  dnnl::memory plain(w_desc, device.engine(), const_cast<float*>(w.data()));
  result.codes = dnnl::memory(wanted, device.engine());
  device.execute(dnnl::reorder(dnnl::reorder::primitive_desc(plain, result.codes, attr)),
                 {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, result.codes}});
  result.output_scales.resize(scales.size());
  for (size_t o = 0; o < scales.size(); ++o) result.output_scales[o] = input_scale * scales[o];
  result.bias = dnnl::memory(plain_desc(dims{rows}), device.engine());
  auto* bias = static_cast<float*>(result.bias.get_data_handle());
  for (size_t o = 0; o < scales.size(); ++o)
    bias[o] = b ? (*b)[int64_t(o)] / result.output_scales[o] : 0.0f;
  return result;
}

}  // namespace svertka::cpu_dnnl
