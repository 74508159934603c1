// NetSpec (+ weights) -> prototxt and .caffemodel.
#include <map>

#include "io/caffe_layers.h"
#include "io/proto_io.h"
#include "ops/accuracy.h"
#include "ops/concat.h"
#include "ops/conv.h"
#include "ops/dropout.h"
#include "ops/inner_product.h"
#include "ops/lrn.h"
#include "ops/pooling.h"
#include "ops/relu.h"
#include "ops/softmax.h"
#include "ops/softmax_loss.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

template <class OpType>
const OpType& as(const LayerSpec& layer) {
  return dynamic_cast<const OpType&>(*layer.op);
}

[[noreturn]] void unsupported(const LayerSpec& layer, const std::string& what) {
  throw ParamError("layer '" + layer.name + "' (" + std::string(layer.op->type()) + "): " + what +
                   " has no Caffe equivalent");
}

void set_pooling(const LayerSpec& layer, caffe::PoolingParameter& out) {
  const PoolParams& p = as<PoolOp>(layer).params();
  if (p.pad_bottom.value_or(p.pad_h) != p.pad_h || p.pad_right.value_or(p.pad_w) != p.pad_w)
    unsupported(layer, "asymmetric padding");
  if (p.exclude_padding) unsupported(layer, "an average over the real cells only");
  out.set_pool(p.method == PoolMethod::kMax ? caffe::PoolingParameter::MAX
                                            : caffe::PoolingParameter::AVE);
  if (p.global_pooling) {
    out.set_global_pooling(true);
  } else {
    out.set_kernel_h(uint32_t(p.kernel_h)), out.set_kernel_w(uint32_t(p.kernel_w));
    out.set_stride_h(uint32_t(p.stride_h)), out.set_stride_w(uint32_t(p.stride_w));
    out.set_pad_h(uint32_t(p.pad_h)), out.set_pad_w(uint32_t(p.pad_w));
  }
  if (!p.ceil_mode) out.set_round_mode(caffe::PoolingParameter::FLOOR);
}

void set_params(const LayerSpec& layer, caffe::LayerParameter& out, caffe::FillerParameter* weight,
                caffe::FillerParameter* bias) {
  const size_t count = layer.op->param_names().size();
  for (size_t i = 0; i < count; ++i) {
    const ParamSpec spec = i < layer.params.size() ? layer.params[i] : ParamSpec{};
    caffe::ParamSpec* p = out.add_param();
    p->set_lr_mult(spec.lr_mult);
    p->set_decay_mult(spec.decay_mult);
    caffe::FillerParameter* f = i == 0 ? weight : bias;
    if (f) *f = caffe_io::filler_to_caffe(spec.filler);
  }
}

caffe::LayerParameter to_caffe(const LayerSpec& layer) {
  caffe::LayerParameter out;
  out.set_name(layer.name);
  out.set_type(std::string(layer.op->type()));
  for (const std::string& b : layer.bottoms) out.add_bottom(b);
  for (const std::string& t : layer.tops) out.add_top(t);
  if (layer.only_in)
    out.add_include()->set_phase(*layer.only_in == Phase::kTrain ? caffe::TRAIN : caffe::TEST);
  if (layer.loss_weight) out.add_loss_weight(*layer.loss_weight);
  const std::string_view type = layer.op->type();
  if (type == ConvOp::kType) {
    const ConvParams& p = as<ConvOp>(layer).params();
    if (p.pad_bottom.value_or(p.pad_h) != p.pad_h || p.pad_right.value_or(p.pad_w) != p.pad_w)
      unsupported(layer, "asymmetric padding");
    auto* c = out.mutable_convolution_param();
    c->set_num_output(uint32_t(p.out_channels));
    c->set_bias_term(p.bias);
    c->set_kernel_h(uint32_t(p.kernel_h)), c->set_kernel_w(uint32_t(p.kernel_w));
    c->set_stride_h(uint32_t(p.stride_h)), c->set_stride_w(uint32_t(p.stride_w));
    c->set_pad_h(uint32_t(p.pad_h)), c->set_pad_w(uint32_t(p.pad_w));
    if (p.groups != 1) c->set_group(uint32_t(p.groups));
    set_params(layer, out, c->mutable_weight_filler(), p.bias ? c->mutable_bias_filler() : nullptr);
  } else if (type == InnerProductOp::kType) {
    const InnerProductParams& p = as<InnerProductOp>(layer).params();
    auto* f = out.mutable_inner_product_param();
    f->set_num_output(uint32_t(p.out_features));
    f->set_bias_term(p.bias);
    set_params(layer, out, f->mutable_weight_filler(), p.bias ? f->mutable_bias_filler() : nullptr);
  } else if (type == ReluOp::kType) {
    const double slope = as<ReluOp>(layer).params().negative_slope;
    if (slope != 0) out.mutable_relu_param()->set_negative_slope(float(slope));
  } else if (type == LrnOp::kType) {
    const LrnParams& p = as<LrnOp>(layer).params();
    auto* l = out.mutable_lrn_param();
    l->set_local_size(uint32_t(p.local_size));
    l->set_alpha(float(p.alpha)), l->set_beta(float(p.beta)), l->set_k(float(p.k));
  } else if (type == PoolOp::kType) {
    set_pooling(layer, *out.mutable_pooling_param());
  } else if (type == DropoutOp::kType) {
    out.mutable_dropout_param()->set_dropout_ratio(float(as<DropoutOp>(layer).params().ratio));
  } else if (type == ConcatOp::kType) {
    out.mutable_concat_param()->set_axis(as<ConcatOp>(layer).params().axis);
  } else if (type == SoftmaxOp::kType) {
    const int axis = as<SoftmaxOp>(layer).params().axis;
    if (axis != 1) out.mutable_softmax_param()->set_axis(axis);
  } else if (type == SoftmaxLossOp::kType) {
    const auto& ignore = as<SoftmaxLossOp>(layer).params().ignore_label;
    if (ignore) out.mutable_loss_param()->set_ignore_label(int32_t(*ignore));
  } else if (type == AccuracyOp::kType) {
    const AccuracyParams& p = as<AccuracyOp>(layer).params();
    if (p.top_k != 1) out.mutable_accuracy_param()->set_top_k(uint32_t(p.top_k));
    if (p.ignore_label) out.mutable_accuracy_param()->set_ignore_label(int32_t(*p.ignore_label));
  } else {
    unsupported(layer, "the layer type");
  }
  return out;
}

}  // namespace

void save_caffe(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                const std::string& prototxt_path, const std::string& caffemodel_path) {
  caffe::NetParameter net;
  net.set_name(spec.name);
  for (const InputSpec& input : spec.inputs) {
    caffe::LayerParameter* layer = net.add_layer();
    layer->set_name(input.name);
    layer->set_type("Input");
    layer->add_top(input.name);
    auto* shape = layer->mutable_input_param()->add_shape();
    for (int64_t d : input.shape.dims()) shape->add_dim(d);
  }
  for (const LayerSpec& layer : spec.layers) *net.add_layer() = to_caffe(layer);
  proto_io::write_text(prototxt_path, net);
  if (caffemodel_path.empty()) return;

  std::map<std::string, const Tensor*> by_name;
  for (const NamedTensor& w : weights) by_name[w.name] = &w.tensor;
  for (int i = 0; i < net.layer_size(); ++i) {
    caffe::LayerParameter& layer = *net.mutable_layer(i);
    const int index = i - int(spec.inputs.size());
    if (index < 0) continue;
    for (const std::string& param : spec.layers[size_t(index)].op->param_names()) {
      const std::string name = layer.name() + "." + param;
      const auto it = by_name.find(name);
      if (it == by_name.end())
        throw NotFoundError("no weights named '" + name + "' to write to " + caffemodel_path);
      const Tensor& t = *it->second;
      caffe::BlobProto* blob = layer.add_blobs();
      for (int64_t d : t.shape().dims()) blob->mutable_shape()->add_dim(d);
      blob->mutable_data()->Add(t.data(), t.data() + t.numel());
    }
  }
  proto_io::write_binary(caffemodel_path, net);
}

}  // namespace svertka
