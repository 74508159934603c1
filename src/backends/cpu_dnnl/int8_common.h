// What the int8 convolution and inner-product kernels share (ops/int8.h): the per-output-channel
// weight scales, the quantizing reorder of an fp32 activation into u8 or s8, and the weights and
// bias prepared once for oneDNN's int8 primitives (s8 weights, s32 accumulation, fp32 output).
#pragma once

#include <vector>

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/ops/int8.h"

namespace svertka::cpu_dnnl {

// s_o = max |w_o| / code_max for each of the `rows` output channels of `w` (rows x the rest), 1 for
// a channel of zeros (its codes are 0 whatever the scale).
std::vector<float> weight_channel_scales(const Tensor& w, int64_t rows, float code_max = 127);

// The largest weight code of an inner product: 127, or 63 on a processor without VNNI, where
// oneDNN's int8 gemm sums pairs of u8 x s8 products in 16 bits (its s8 inputs shifted to u8) and
// does not halve the weights as its convolutions do.
float inner_product_code_max();

// u8 for an input that calibration saw non-negative (after a ReLU), else s8; and s8 for every input
// on a processor without VNNI (dnnl_int8_vnni(), backends/cpu_dnnl.h), whose u8 x s8 kernels sum
// pairs of products in 16 bits and saturate (255 x 127 x 2 > 32767), while for s8 inputs oneDNN
// halves the weights so that the sums fit.
dnnl::memory::data_type input_type(const Int8Quantization& q);
// The step of the grid a kernel rounds its input onto: the calibrated one, or for a non-negative
// input held as s8 (no VNNI) the step that maps its calibrated range onto 0..127.
float input_step(const Int8Quantization& q);

// The primitive attributes of an int8 layer: per-output-channel output scales (mask: the output's
// channel dimension, 1 << 1) and the shared scratchpad. Filled once the weights are known.
dnnl::primitive_attr int8_attributes(const std::vector<float>& output_scales);

// An fp32 activation (as held) rounded onto the 8-bit grid of step input_scale, into the layout the
// primitive wants, in ScratchSlot::kSource. An input held as u8 codes of that step
// (BlobLayout::kU8ChannelsLast) is used as it is where the primitive takes its layout.
class Int8Input {
 public:
  Int8Input() = default;
  Int8Input(DnnlDevice& device, const dnnl::memory::desc& held, const dnnl::memory::desc& wanted,
            float input_scale);
  const dnnl::memory& quantize(const Tensor& x);

 private:
  DnnlDevice* device_ = nullptr;
  bool converts_ = true;
  dnnl::memory held_, wanted_;
  dnnl::reorder reorder_;
};

// The weights as s8 codes in the primitive's layout, and the bias divided by the output scales
// (oneDNN 2.x adds the bias to the s32 sum before scaling: y = scale_o * (sum + b'_o)).
struct Int8Weights {
  dnnl::memory codes;  // owns its buffer
  dnnl::memory bias;   // f32, owns its buffer; zeros for a layer without a bias
  std::vector<float> output_scales;
};
// `w` (plain, `w_desc`) quantized per output channel into `wanted` (s8); scales of `rows`
// channels; `b` (O) or null.
Int8Weights quantize_weights(DnnlDevice& device, const Tensor& w, const dnnl::memory::desc& w_desc,
                             const dnnl::memory::desc& wanted, int64_t rows, const Tensor* b,
                             float input_scale, float code_max = 127);

}  // namespace svertka::cpu_dnnl
