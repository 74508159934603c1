// Which layers of a quantized model stay fp32, chosen by measured accuracy (svertka quantize).
//
// The model is quantized whole first; when its top-1 on labelled check images falls more than
// `max_loss` below the fp32 model's, each int8 layer is measured with only it back in fp32, and
// the layers that win back the most are returned to fp32 one at a time, the accuracy measured
// after each, until the loss is within `max_loss`: an accuracy-driven fallback, as post-training
// tools offer (Intel Neural Compressor's tuning, for one), rather than a per-layer error proxy.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace svertka {

// Top-1 accuracy (a fraction) of the model quantized with the named layers left in fp32.
using AccuracyWithFp32 = std::function<double(const std::set<std::string>& fp32_layers)>;

struct Fp32FallbackOptions {
  double fp32_accuracy = 0;  // the fp32 model's top-1 on the same images
  double max_loss = 0.005;   // top-1 the int8 model may lose, as a fraction (0.005: 0.5 points)
  std::set<std::string> forced;  // layers the user keeps in fp32 whatever the accuracy
};

struct Fp32Fallback {
  struct Measured {
    std::set<std::string> fp32_layers;
    double accuracy = 0;
  };
  double fp32_accuracy = 0;          // as given
  Measured all_int8;                 // every layer int8 but the forced ones
  std::vector<Measured> one_by_one;  // one more layer in fp32 each, in the layers' order; empty
                                     // when all_int8 was within the loss
  std::vector<Measured> steps;       // the layers returned to fp32, the most helpful first
  std::set<std::string> fp32_layers;  // the choice: forced and returned layers
  double accuracy = 0;                // of the choice
  bool within_loss = false;  // false when no choice measured within the bound (all layers forced)
};

// The fallback of the header comment over `layers` (the quantizable layers, in network order).
// `accuracy` is called once for the whole int8 model and, if that loses too much, once per layer
// and once per step. ParamError for a forced layer not in `layers` or a negative max_loss.
Fp32Fallback choose_fp32_layers(const std::vector<std::string>& layers,
                                const Fp32FallbackOptions& options,
                                const AccuracyWithFp32& accuracy);

}  // namespace svertka
