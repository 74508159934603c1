// Caffe prototxt -> NetSpec.
#include <map>
#include <set>

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
#include "svertka/builder.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

using caffe::LayerParameter;

// Caffe's StateMeetsRule for a net state of `phase` with the net's level and stages.
bool meets_rule(const caffe::NetStateRule& rule, caffe::Phase phase, const caffe::NetState& state) {
  if (rule.has_phase() && rule.phase() != phase) return false;
  if (rule.has_min_level() && state.level() < rule.min_level()) return false;
  if (rule.has_max_level() && state.level() > rule.max_level()) return false;
  const std::set<std::string> stages(state.stage().begin(), state.stage().end());
  for (const std::string& s : rule.stage())
    if (!stages.count(s)) return false;
  for (const std::string& s : rule.not_stage())
    if (stages.count(s)) return false;
  return true;
}

bool included(const LayerParameter& layer, caffe::Phase phase, const caffe::NetState& state) {
  if (layer.include_size() > 0) {
    for (const auto& rule : layer.include())
      if (meets_rule(rule, phase, state)) return true;
    return false;
  }
  for (const auto& rule : layer.exclude())
    if (meets_rule(rule, phase, state)) return false;
  return true;
}

Shape blob_shape(const caffe::BlobShape& shape) {
  return Shape(std::vector<int64_t>(shape.dim().begin(), shape.dim().end()));
}

class Importer {
 public:
  Importer(std::string file, const CaffeImportOptions& options)
      : file_(std::move(file)), options_(options), builder_("") {}

  ImportedModel run(const caffe::NetParameter& net) {
    builder_ = NetBuilder(net.name());
    legacy_inputs(net);
    std::vector<LayerParameter> layers(net.layer().begin(), net.layer().end());
    for (const auto& v1 : net.layers()) layers.push_back(caffe_io::upgrade_v1(v1, file_));
    for (const LayerParameter& layer : layers) add_layer(layer, net.state());
    NetSpec spec = builder_.build();
    for (const std::string& name : order_) spec.inputs.push_back(inputs_.at(name).spec);
    ImportedModel model{std::move(spec), {}, ""};
    model.logits = find_logits(model.spec);
    return model;
  }

 private:
  struct Input {
    InputSpec spec;
    bool preferred;  // from a layer active in the requested phase
  };

  [[noreturn]] void fail(const LayerParameter& layer, const std::string& what) const {
    throw IoError(caffe_io::layer_error(file_, layer, what));
  }

  void add_input(const std::string& name, Shape shape, bool preferred) {
    const auto it = inputs_.find(name);
    if (it != inputs_.end() && (it->second.preferred || !preferred)) return;
    if (it == inputs_.end()) order_.push_back(name);
    inputs_[name] = {InputSpec{name, std::move(shape)}, preferred};
  }

  void legacy_inputs(const caffe::NetParameter& net) {
    for (int i = 0; i < net.input_size(); ++i) {
      Shape shape;
      if (i < net.input_shape_size()) {
        shape = blob_shape(net.input_shape(i));
      } else if (net.input_dim_size() >= 4 * (i + 1)) {
        shape = Shape{net.input_dim(4 * i), net.input_dim(4 * i + 1), net.input_dim(4 * i + 2),
                      net.input_dim(4 * i + 3)};
      } else {
        throw IoError(file_ + ": input '" + net.input(i) +
                      "' has neither an input_shape nor four input_dim values");
      }
      add_input(net.input(i), shape, true);
    }
  }

  std::vector<ParamSpec> params(const LayerParameter& layer, int count,
                                const caffe::FillerParameter* weight,
                                const caffe::FillerParameter* bias) const {
    std::vector<ParamSpec> specs;
    for (int i = 0; i < count; ++i) {
      ParamSpec spec;
      const caffe::FillerParameter* f = i == 0 ? weight : bias;
      if (f) spec.filler = caffe_io::filler_from_caffe(*f, file_, layer);
      if (i < layer.param_size()) {
        spec.lr_mult = layer.param(i).lr_mult();
        spec.decay_mult = layer.param(i).decay_mult();
      }
      specs.push_back(spec);
    }
    return specs;
  }

  void expect_tops(const LayerParameter& layer, int bottoms, int tops) const {
    if (bottoms >= 0 && layer.bottom_size() != bottoms)
      fail(layer, "expects " + std::to_string(bottoms) + " bottom(s), got " +
                      std::to_string(layer.bottom_size()));
    if (layer.top_size() != tops)
      fail(layer,
           "expects " + std::to_string(tops) + " top(s), got " + std::to_string(layer.top_size()));
  }

  void data_layer(const LayerParameter& layer, bool preferred) {
    const std::string& type = layer.type();
    if (type == "Input") {
      const auto& shapes = layer.input_param().shape();
      if (shapes.empty() || (shapes.size() != 1 && shapes.size() != layer.top_size()))
        fail(layer, "input_param has " + std::to_string(shapes.size()) + " shapes for " +
                        std::to_string(layer.top_size()) + " tops (give one, or one per top)");
      for (int i = 0; i < layer.top_size(); ++i)
        add_input(layer.top(i), blob_shape(shapes.size() == 1 ? shapes[0] : shapes.at(i)),
                  preferred);
      return;
    }
    if (type == "DummyData") {
      const auto& p = layer.dummy_data_param();
      for (int i = 0; i < layer.top_size(); ++i) {
        Shape shape;
        if (p.shape_size() > 0) {
          shape = blob_shape(p.shape(p.shape_size() == 1 ? 0 : i));
        } else if (p.num_size() > 0) {
          auto at = [&](const auto& field) {
            return int64_t(field.Get(field.size() == 1 ? 0 : i));
          };
          shape = Shape{at(p.num()), at(p.channels()), at(p.height()), at(p.width())};
        } else {
          fail(layer, "dummy_data_param has no shape");
        }
        add_input(layer.top(i), shape, preferred);
      }
      return;
    }
    // Data / ImageData: images of the crop (or resize) size and a label per image. Caffe gives a
    // Data layer the channels of its database's images; the file tells them only by
    // transform_param.force_gray, so colour is assumed otherwise. ImageData: is_color.
    int64_t batch = 0, channels = 3, height = 0, width = 0;
    const int64_t crop = layer.transform_param().crop_size();
    if (type == "Data") {
      batch = layer.data_param().batch_size();
      height = width = crop ? crop : layer.data_param().crop_size();
      if (layer.transform_param().force_gray()) channels = 1;
    } else {
      const auto& p = layer.image_data_param();
      batch = p.batch_size();
      height = crop ? crop : p.new_height();
      width = crop ? crop : p.new_width();
      if (!p.is_color()) channels = 1;
    }
    if (batch <= 0 || height <= 0 || width <= 0)
      fail(layer,
           "cannot tell the image size: set transform_param.crop_size (or new_height and "
           "new_width)");
    add_input(layer.top(0), Shape{batch, channels, height, width}, preferred);
    if (layer.top_size() > 1) add_input(layer.top(1), Shape{batch}, preferred);
  }

  void add_layer(const LayerParameter& layer, const caffe::NetState& state) {
    const bool train = included(layer, caffe::TRAIN, state);
    const bool test = included(layer, caffe::TEST, state);
    if (!train && !test) return;
    const std::string& type = layer.type();
    if (type == "Input" || type == "DummyData" || type == "Data" || type == "ImageData") {
      const bool preferred = options_.phase == Phase::kTrain ? train : test;
      return data_layer(layer, preferred);
    }
    if (layer.propagate_down_size() > 0) fail(layer, "propagate_down is unsupported");
    std::optional<Phase> only_in;
    if (!train) only_in = Phase::kTest;
    if (!test) only_in = Phase::kTrain;
    builder_.only_in(only_in);
    const std::vector<std::string> bottoms(layer.bottom().begin(), layer.bottom().end());
    const std::vector<std::string> tops(layer.top().begin(), layer.top().end());
    std::optional<float> loss_weight;
    if (layer.loss_weight_size() > 0) loss_weight = layer.loss_weight(0);
    if (loss_weight && type != "SoftmaxWithLoss" && *loss_weight != 0)
      fail(layer, "loss_weight on a layer that is not a loss is unsupported");
    const std::string& name = layer.name();

    if (type == "Convolution") {
      expect_tops(layer, 1, 1);
      const auto& p = layer.convolution_param();
      for (uint32_t d : p.dilation())
        if (d != 1) fail(layer, "dilation other than 1 is unsupported");
      if (p.axis() != 1) fail(layer, "axis other than 1 is unsupported");
      ConvParams c;
      c.out_channels = p.num_output();
      auto pick = [&](const auto& repeated, bool has_hw, int64_t h, int64_t w, int64_t fallback,
                      int64_t& out_h, int64_t& out_w, const char* field) {
        if (has_hw) {
          out_h = h, out_w = w;
        } else if (repeated.size() == 0) {
          out_h = out_w = fallback;
        } else if (repeated.size() <= 2) {
          out_h = repeated.Get(0), out_w = repeated.Get(repeated.size() - 1);
        } else {
          fail(layer, std::string("more than 2 ") + field + " values (N-d convolution)");
        }
      };
      pick(p.kernel_size(), p.has_kernel_h() || p.has_kernel_w(), p.kernel_h(), p.kernel_w(), 0,
           c.kernel_h, c.kernel_w, "kernel_size");
      pick(p.stride(), p.has_stride_h() || p.has_stride_w(), p.stride_h(), p.stride_w(), 1,
           c.stride_h, c.stride_w, "stride");
      pick(p.pad(), p.has_pad_h() || p.has_pad_w(), p.pad_h(), p.pad_w(), 0, c.pad_h, c.pad_w,
           "pad");
      c.groups = p.group();
      c.bias = p.bias_term();
      builder_.add(
          name, std::make_shared<ConvOp>(c), bottoms, tops,
          params(layer, c.bias ? 2 : 1, p.has_weight_filler() ? &p.weight_filler() : nullptr,
                 p.has_bias_filler() ? &p.bias_filler() : nullptr));
    } else if (type == "InnerProduct") {
      expect_tops(layer, 1, 1);
      const auto& p = layer.inner_product_param();
      if (p.axis() != 1) fail(layer, "axis other than 1 is unsupported");
      if (p.transpose()) fail(layer, "transpose: true is unsupported");
      InnerProductParams f;
      f.out_features = p.num_output();
      f.bias = p.bias_term();
      builder_.add(
          name, std::make_shared<InnerProductOp>(f), bottoms, tops,
          params(layer, f.bias ? 2 : 1, p.has_weight_filler() ? &p.weight_filler() : nullptr,
                 p.has_bias_filler() ? &p.bias_filler() : nullptr));
    } else if (type == "ReLU") {
      expect_tops(layer, 1, 1);
      builder_.add(name, std::make_shared<ReluOp>(ReluParams{layer.relu_param().negative_slope()}),
                   bottoms, tops);
    } else if (type == "LRN") {
      expect_tops(layer, 1, 1);
      const auto& p = layer.lrn_param();
      if (p.norm_region() != caffe::LRNParameter::ACROSS_CHANNELS)
        fail(layer, "norm_region WITHIN_CHANNEL is unsupported");
      builder_.add(name,
                   std::make_shared<LrnOp>(LrnParams{p.local_size(), p.alpha(), p.beta(), p.k()}),
                   bottoms, tops);
    } else if (type == "Pooling") {
      expect_tops(layer, 1, 1);
      builder_.add(name, std::make_shared<PoolOp>(pool_params(layer)), bottoms, tops);
    } else if (type == "Dropout") {
      expect_tops(layer, 1, 1);
      DropoutParams d;
      d.ratio = layer.dropout_param().dropout_ratio();
      d.seed = ++dropout_count_;
      builder_.add(name, std::make_shared<DropoutOp>(d), bottoms, tops);
    } else if (type == "Concat") {
      expect_tops(layer, -1, 1);
      const auto& p = layer.concat_param();
      const int axis = p.has_axis() ? p.axis() : int(p.concat_dim());
      builder_.add(name, std::make_shared<ConcatOp>(ConcatParams{axis}), bottoms, tops);
    } else if (type == "Softmax") {
      expect_tops(layer, 1, 1);
      builder_.add(name, std::make_shared<SoftmaxOp>(SoftmaxParams{layer.softmax_param().axis()}),
                   bottoms, tops);
    } else if (type == "SoftmaxWithLoss") {
      expect_tops(layer, 2, 1);
      const auto& p = layer.loss_param();
      SoftmaxLossParams s;
      if (p.has_ignore_label()) s.ignore_label = p.ignore_label();
      if (s.ignore_label && (p.has_normalize() || p.normalization() != caffe::LossParameter::VALID))
        fail(layer, "loss normalization other than VALID with an ignore_label is unsupported");
      if (layer.softmax_param().axis() != 1)
        fail(layer, "softmax axis other than 1 is unsupported");
      builder_.add(name, std::make_shared<SoftmaxLossOp>(s), bottoms, tops, {}, loss_weight);
    } else if (type == "Accuracy") {
      expect_tops(layer, 2, 1);
      const auto& p = layer.accuracy_param();
      if (p.axis() != 1) fail(layer, "axis other than 1 is unsupported");
      AccuracyParams a;
      a.top_k = p.top_k();
      if (p.has_ignore_label()) a.ignore_label = p.ignore_label();
      builder_.add(name, std::make_shared<AccuracyOp>(a), bottoms, tops);
    } else {
      fail(layer, "unsupported layer type");
    }
  }

  PoolParams pool_params(const LayerParameter& layer) const {
    const auto& p = layer.pooling_param();
    PoolParams q;
    if (p.pool() == caffe::PoolingParameter::STOCHASTIC)
      fail(layer, "pool: STOCHASTIC is unsupported");
    q.method = p.pool() == caffe::PoolingParameter::MAX ? PoolMethod::kMax : PoolMethod::kAverage;
    q.global_pooling = p.global_pooling();
    q.ceil_mode = p.round_mode() == caffe::PoolingParameter::CEIL;
    if (!q.global_pooling) {
      if (p.has_kernel_h() || p.has_kernel_w())
        q.kernel_h = p.kernel_h(), q.kernel_w = p.kernel_w();
      else
        q.kernel_h = q.kernel_w = p.kernel_size();
    }
    if (p.has_stride_h() || p.has_stride_w())
      q.stride_h = p.stride_h(), q.stride_w = p.stride_w();
    else
      q.stride_h = q.stride_w = p.stride();
    if (p.has_pad_h() || p.has_pad_w())
      q.pad_h = p.pad_h(), q.pad_w = p.pad_w();
    else
      q.pad_h = q.pad_w = p.pad();
    return q;
  }

  std::string file_;
  CaffeImportOptions options_;
  NetBuilder builder_;
  std::map<std::string, Input> inputs_;
  std::vector<std::string> order_;
  uint64_t dropout_count_ = 0;
};

}  // namespace

ImportedModel load_caffe_net(const std::string& path, const CaffeImportOptions& options) {
  caffe::NetParameter net;
  proto_io::parse_text(path, net);
  return Importer(path, options).run(net);
}

}  // namespace svertka
