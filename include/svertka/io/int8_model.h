// Int8 quantization of a trained model (svertka quantize; the file format: docs/QUANTIZATION.md).
//
// Post-training, symmetric, no zero points:
//  - weights per output channel: s_o = max |w_o| / 127, codes round(w / s_o) in [-127, 127];
//  - activations per tensor, calibrated by maximum: the inputs of every convolution and inner
//    product are observed over N calibration images; an input never negative (after a ReLU) is
//    u8 with step max / 255, any other (a mean-subtracted image) s8 with step max |x| / 127.
// A quantized file holds, for each int8 layer L,
//   L.weight        I8  (O, ...)  the codes
//   L.weight_scale  F32 (O)       s_o
//   L.input_scale   F32 (1)       the step of L's input grid
//   L.input_min     F32 (1)       the smallest input calibration saw (>= 0: u8, else s8)
// and every other tensor (biases, layers kept in fp32) as F32, as a weights file does.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "svertka/io/imported_model.h"
#include "svertka/net.h"

namespace svertka {

// The range of each input of a net's convolutions and inner products over the forward passes seen.
class ActivationRanges {
 public:
  // Observes the bottoms of every Convolution and InnerProduct layer of `spec` that runs in TEST.
  explicit ActivationRanges(const NetSpec& spec);
  // The blobs to keep readable in a TEST net (NetOptions::keep_blobs).
  const std::vector<std::string>& blobs() const { return blobs_; }
  // Widens the ranges by the blobs of `net` after its forward().
  void observe(const Net& net);
  struct Range {
    float min = 0, max = 0;
  };
  // NotFoundError for a blob never observed.
  const Range& range(const std::string& blob) const;
  int64_t passes() const { return passes_; }

 private:
  std::vector<std::string> blobs_;
  std::map<std::string, Range> ranges_;
  int64_t passes_ = 0;
};

struct QuantizeOptions {
  // Convolution and inner-product layers that stay fp32 (by name); ParamError for a name that is
  // not such a layer of the model.
  std::set<std::string> keep_fp32;
};

// The tensors of `model` quantized (the file layout above), in the order of its weights; layers
// only in TRAIN (auxiliary heads) stay fp32. ParamError when `ranges` has no pass.
std::vector<NamedTensor> quantize_model(const ImportedModel& model, const ActivationRanges& ranges,
                                        const QuantizeOptions& options = {});

// The convolutions and inner products of `spec`'s inference net, in order: the layers
// quantize_model turns to int8 unless kept in fp32.
std::vector<std::string> quantizable_layers(const NetSpec& spec);

// `model` quantized (quantize_model) and applied (apply_int8) in memory: make_net of the result
// runs the int8 kernels, as for the file that `svertka quantize` writes.
ImportedModel quantized_model(const ImportedModel& model, const ActivationRanges& ranges,
                              const QuantizeOptions& options = {});

// A quantized file's tensors applied to `spec`: each int8 layer's weight codes become fp32 weights
// (code * s_o, from which the int8 kernels recover the codes exactly) and its op gets
// Int8Quantization (ops/int8.h); the scale tensors are removed. Tensors without int8 layers pass
// through unchanged. IoError naming `source`, the layer and the tensor for an int8 layer whose
// weight is not I8 or whose scales are missing, of the wrong shape, non-finite or not positive, and
// for scales of a layer that is not a convolution or inner product of `spec`.
void apply_int8(const std::string& source, std::vector<NamedTensor>& tensors, NetSpec& spec);

// The names of the int8 layers of `spec`, in order.
std::vector<std::string> int8_layers(const NetSpec& spec);

}  // namespace svertka
