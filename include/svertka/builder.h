// NetBuilder: writes a NetSpec layer by layer with typed options, so a model reads like the
// paper's table:
//   x = b.conv("conv1", x, Conv(96, 11).stride(4));   // (N,3,227,227) -> (N,96,55,55)
// Each call returns the name of the layer's top blob.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "svertka/ops/conv.h"
#include "svertka/ops/inner_product.h"
#include "svertka/ops/lrn.h"
#include "svertka/ops/pooling.h"
#include "svertka/net_spec.h"

namespace svertka {

// Learnable-layer options shared by Conv and Fc: initialisation and Caffe's lr/decay multipliers.
template <class Self>
struct LearnableOptions {
  std::optional<Filler> weight_init, bias_init;
  float weight_lr_mult = 1, weight_decay_mult = 1;
  float bias_lr_mult = 2, bias_decay_mult = 0;  // Caffe's customary bias settings

  Self& weight_filler(Filler f) { return weight_init = f, self(); }
  Self& bias_filler(Filler f) { return bias_init = f, self(); }
  Self& bias_constant(double v) { return bias_init = Filler::constant(v), self(); }
  Self& lr_mult(float weight, float bias) {
    return weight_lr_mult = weight, bias_lr_mult = bias, self();
  }

 private:
  Self& self() { return static_cast<Self&>(*this); }
};

struct Conv : LearnableOptions<Conv> {
  ConvParams params;
  Conv(int64_t out_channels, int64_t kernel) {
    params.out_channels = out_channels;
    params.kernel_h = params.kernel_w = kernel;
  }
  Conv& stride(int64_t s) { return params.stride_h = params.stride_w = s, *this; }
  Conv& pad(int64_t p) { return params.pad_h = params.pad_w = p, *this; }
  Conv& groups(int64_t g) { return params.groups = g, *this; }
  Conv& no_bias() { return params.bias = false, *this; }
  Conv& algorithm(ConvAlgorithm a) { return params.algorithm = a, *this; }
};

struct Fc : LearnableOptions<Fc> {
  InnerProductParams params;
  explicit Fc(int64_t out_features) { params.out_features = out_features; }
};

struct Pool {
  PoolParams params;
  static Pool max(int64_t kernel, int64_t stride) { return Pool(PoolMethod::kMax, kernel, stride); }
  static Pool average(int64_t kernel, int64_t stride) {
    return Pool(PoolMethod::kAverage, kernel, stride);
  }
  Pool& pad(int64_t p) { return params.pad_h = params.pad_w = p, *this; }

 private:
  Pool(PoolMethod method, int64_t kernel, int64_t stride) {
    params.method = method;
    params.kernel_h = params.kernel_w = kernel;
    params.stride_h = params.stride_w = stride;
  }
};

class NetBuilder {
 public:
  explicit NetBuilder(std::string name) { spec_.name = std::move(name); }

  // Fillers for layers whose options do not name one.
  void default_fillers(Filler weight, Filler bias) {
    default_weight_ = weight, default_bias_ = bias;
  }
  // Layers added while set restrict themselves to this phase (auxiliary heads: kTrain).
  void only_in(std::optional<Phase> phase) { phase_ = phase; }

  std::string input(const std::string& name, Shape shape);
  std::string conv(const std::string& name, const std::string& bottom, const Conv& options);
  std::string fc(const std::string& name, const std::string& bottom, const Fc& options);
  std::string relu(const std::string& name, const std::string& bottom);  // in place
  std::string lrn(const std::string& name, const std::string& bottom, const LrnParams& params);
  std::string pool(const std::string& name, const std::string& bottom, const Pool& options);
  std::string dropout(const std::string& name, const std::string& bottom,
                      double ratio);  // in place
  std::string concat(const std::string& name, const std::vector<std::string>& bottoms);
  std::string softmax(const std::string& name, const std::string& bottom);
  std::string softmax_loss(const std::string& name, const std::string& scores,
                           const std::string& labels, float loss_weight = 1);
  std::string euclidean_loss(const std::string& name, const std::string& prediction,
                             const std::string& target, float loss_weight = 1);
  std::string accuracy(const std::string& name, const std::string& scores,
                       const std::string& labels, int64_t top_k);

  // The generic form every method above uses.
  std::string add(const std::string& name, std::shared_ptr<Op> op,
                  const std::vector<std::string>& bottoms, const std::vector<std::string>& tops,
                  std::vector<ParamSpec> params = {}, std::optional<float> loss_weight = {});

  // The net so far, its Dropout layers seeded by number_dropout_layers.
  NetSpec build() const;

 private:
  template <class Options>
  std::vector<ParamSpec> param_specs(const Options& options, bool bias) const;

  NetSpec spec_;
  Filler default_weight_ = Filler::gaussian(0.01), default_bias_ = Filler::constant(0);
  std::optional<Phase> phase_;
};

// Sets the algorithm hint of every Convolution layer in `spec` (zoo, Caffe or ONNX alike).
void set_conv_algorithm(NetSpec& spec, ConvAlgorithm algorithm);

// "auto" | "direct" | "winograd" (the --conv-algorithm option); ParamError otherwise.
ConvAlgorithm parse_conv_algorithm(const std::string& text);

}  // namespace svertka
