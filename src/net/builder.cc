#include "svertka/builder.h"

#include "svertka/ops/accuracy.h"
#include "svertka/ops/concat.h"
#include "svertka/ops/dropout.h"
#include "svertka/ops/euclidean_loss.h"
#include "svertka/ops/relu.h"
#include "svertka/ops/softmax.h"
#include "svertka/ops/softmax_loss.h"
#include "svertka/error.h"

namespace svertka {

std::string NetBuilder::input(const std::string& name, Shape shape) {
  spec_.inputs.push_back({name, std::move(shape)});
  return name;
}

std::string NetBuilder::add(const std::string& name, std::shared_ptr<Op> op,
                            const std::vector<std::string>& bottoms,
                            const std::vector<std::string>& tops, std::vector<ParamSpec> params,
                            std::optional<float> loss_weight) {
  op->set_name(name);
  LayerSpec layer;
  layer.name = name;
  layer.op = std::move(op);
  layer.bottoms = bottoms;
  layer.tops = tops;
  layer.params = std::move(params);
  layer.loss_weight = loss_weight;
  layer.only_in = phase_;
  spec_.layers.push_back(std::move(layer));
  return tops.empty() ? std::string() : tops.front();
}

NetSpec NetBuilder::build() const {
  NetSpec spec = spec_;
  number_dropout_layers(spec);
  return spec;
}

template <class Options>
std::vector<ParamSpec> NetBuilder::param_specs(const Options& o, bool bias) const {
  std::vector<ParamSpec> specs{
      {o.weight_init.value_or(default_weight_), o.weight_lr_mult, o.weight_decay_mult}};
  if (bias)
    specs.push_back({o.bias_init.value_or(default_bias_), o.bias_lr_mult, o.bias_decay_mult});
  return specs;
}

std::string NetBuilder::conv(const std::string& name, const std::string& bottom, const Conv& o) {
  return add(name, std::make_shared<ConvOp>(o.params), {bottom}, {name},
             param_specs(o, o.params.bias));
}

std::string NetBuilder::fc(const std::string& name, const std::string& bottom, const Fc& o) {
  return add(name, std::make_shared<InnerProductOp>(o.params), {bottom}, {name},
             param_specs(o, o.params.bias));
}

std::string NetBuilder::relu(const std::string& name, const std::string& bottom) {
  return add(name, std::make_shared<ReluOp>(ReluParams{}), {bottom}, {bottom});
}

std::string NetBuilder::lrn(const std::string& name, const std::string& bottom,
                            const LrnParams& params) {
  return add(name, std::make_shared<LrnOp>(params), {bottom}, {name});
}

std::string NetBuilder::pool(const std::string& name, const std::string& bottom, const Pool& o) {
  return add(name, std::make_shared<PoolOp>(o.params), {bottom}, {name});
}

std::string NetBuilder::dropout(const std::string& name, const std::string& bottom, double ratio) {
  DropoutParams params;
  params.ratio = ratio;
  return add(name, std::make_shared<DropoutOp>(params), {bottom}, {bottom});
}

std::string NetBuilder::concat(const std::string& name, const std::vector<std::string>& bottoms) {
  return add(name, std::make_shared<ConcatOp>(ConcatParams{}), bottoms, {name});
}

std::string NetBuilder::softmax(const std::string& name, const std::string& bottom) {
  return add(name, std::make_shared<SoftmaxOp>(SoftmaxParams{}), {bottom}, {name});
}

std::string NetBuilder::softmax_loss(const std::string& name, const std::string& scores,
                                     const std::string& labels, float loss_weight) {
  return add(name, std::make_shared<SoftmaxLossOp>(SoftmaxLossParams{}), {scores, labels}, {name},
             {}, loss_weight);
}

std::string NetBuilder::euclidean_loss(const std::string& name, const std::string& prediction,
                                       const std::string& target, float loss_weight) {
  return add(name, std::make_shared<EuclideanLossOp>(EuclideanLossParams{}), {prediction, target},
             {name}, {}, loss_weight);
}

std::string NetBuilder::accuracy(const std::string& name, const std::string& scores,
                                 const std::string& labels, int64_t top_k) {
  AccuracyParams params;
  params.top_k = top_k;
  return add(name, std::make_shared<AccuracyOp>(params), {scores, labels}, {name});
}

void set_conv_algorithm(NetSpec& spec, ConvAlgorithm algorithm) {
  for (LayerSpec& layer : spec.layers) {
    const auto* conv = dynamic_cast<const ConvOp*>(layer.op.get());
    if (!conv) continue;
    ConvParams params = conv->params();
    params.algorithm = algorithm;
    layer.op = std::make_shared<ConvOp>(params);
  }
}

ConvAlgorithm parse_conv_algorithm(const std::string& text) {
  if (text == "auto") return ConvAlgorithm::kAuto;
  if (text == "direct") return ConvAlgorithm::kDirect;
  if (text == "winograd") return ConvAlgorithm::kWinograd;
  throw ParamError("unknown convolution algorithm '" + text +
                   "' (expected auto, direct or winograd)");
}

}  // namespace svertka
