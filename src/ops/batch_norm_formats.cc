// The Caffe and ONNX mappings of BatchNormOp: its format entry (io/format_registry.h).
// Caffe "BatchNorm" (+ "Scale"), ONNX "BatchNormalization"
#include <fmt/format.h>

#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/batch_norm.h"

namespace svertka {

namespace {

// A float field as the decimal it was written as (1e-5f -> 1e-5), so that eps read from a
// prototxt or an ONNX attribute equals the double the author meant.
double decimal(float value) {
  return std::stod(fmt::format("{}", value));
}

// Caffe's BatchNorm has no weight and bias: a Scale layer with bias_term right after it, reading
// its top, holds them. The pair becomes one affine op named after the BatchNorm layer.
const caffe::LayerParameter* scale_after(const caffe_io::LayerReader& r) {
  const caffe::LayerParameter* next = r.next();
  if (!next || next->type() != "Scale" || next->bottom_size() != 1 ||
      next->bottom(0) != r.layer().top(0))
    return nullptr;
  const auto& s = next->scale_param();
  if (next->top_size() != 1 || s.axis() != 1 || s.num_axes() != 1 || !s.bias_term())
    r.fail("its Scale layer '" + next->name() +
           "' must have one top, axis 1, num_axes 1 and bias_term: true");
  return next;
}

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(1, 1);
  const auto& p = r.layer().batch_norm_param();
  for (const caffe::ParamSpec& spec : r.layer().param())
    if (spec.lr_mult() != 0) r.fail("the statistics cannot be learned: lr_mult must be 0");
  BatchNormParams b;
  b.eps = decimal(p.eps());
  b.momentum = 1 - decimal(p.moving_average_fraction());
  if (p.has_use_global_stats()) b.use_global_stats = p.use_global_stats();
  const caffe::LayerParameter* scale = scale_after(r);
  b.affine = scale != nullptr;
  if (!scale) return r.add(std::make_shared<BatchNormOp>(b));
  const auto& s = scale->scale_param();
  caffe::FillerParameter unit;  // Caffe's Scale starts at 1 without a filler
  unit.set_type("constant");
  unit.set_value(1);
  r.take_next();
  r.add(std::make_shared<BatchNormOp>(b),
        r.params(*scale, {s.has_filler() ? &s.filler() : &unit,
                          caffe_io::filler_if(s.has_bias_filler(), s.bias_filler())}));
}

// BatchNorm with blobs mean, variance and a scale factor of 1 (Caffe keeps sums weighted by
// moving_average_fraction and divides by that factor), then the Scale layer.
void write_caffe(caffe_io::LayerWriter& w) {
  const BatchNormOp& op = w.op<BatchNormOp>();
  const BatchNormParams& p = op.params();
  caffe::LayerParameter& bn = w.layer();
  auto* b = bn.mutable_batch_norm_param();
  b->set_eps(float(p.eps));
  b->set_moving_average_fraction(float(1 - p.momentum));
  if (p.use_global_stats) b->set_use_global_stats(*p.use_global_stats);
  for (int i = 0; i < 3; ++i) {
    caffe::ParamSpec* spec = bn.add_param();
    spec->set_lr_mult(0);
    spec->set_decay_mult(0);
  }
  w.blob(bn, op.running_mean_index());
  w.blob(bn, op.running_mean_index() + 1);
  w.constant_blob(bn, Shape{1}, 1);
  if (!p.affine) return;
  caffe::LayerParameter& scale = w.add_follower("Scale", w.spec().name + "/scale");
  auto* s = scale.mutable_scale_param();
  s->set_bias_term(true);
  w.param(scale, 0, s->mutable_filler());
  w.param(scale, 1, s->mutable_bias_filler());
  w.blob(scale, 0);
  w.blob(scale, 1);
}

void read_caffe_blobs(caffe_io::BlobReader& r) {
  const auto& op = dynamic_cast<const BatchNormOp&>(*r.spec().op);
  const caffe::LayerParameter* bn = r.layer(r.spec().name);
  if (!bn) r.fail("the .caffemodel has no layer of that name");
  const Tensor factor = r.read(*bn, 2, Shape{1});
  const float unscale = factor[0] == 0 ? 0.f : 1.f / factor[0];
  const size_t mean = op.running_mean_index();
  for (size_t k = 0; k < 2; ++k) {
    Tensor statistic = r.read(*bn, int(k), mean + k);
    for (int64_t c = 0; c < statistic.numel(); ++c) statistic[c] *= unscale;
    r.set(mean + k, std::move(statistic));
  }
  if (!op.params().affine) return;
  const caffe::LayerParameter* scale = r.layer_after(*bn);
  if (!scale || scale->type() != "Scale")
    r.fail("the .caffemodel has no Scale layer after it to hold weight and bias");
  r.set(0, r.read(*scale, 0, 0));
  r.set(1, r.read(*scale, 1, 1));
}

void read_onnx(onnx_io::NodeReader& r) {
  if (r.attr_int("spatial", 1) != 1) r.fail("spatial 0 (statistics per activation) is unsupported");
  if (r.attr_int("training_mode", 0) != 0)
    r.fail("training_mode 1 is unsupported (export the model in eval mode)");
  for (int i = 1; i < r.node().output_size(); ++i)
    if (!r.node().output(i).empty())
      r.fail("the statistics outputs are unsupported (export the model in eval mode)");
  BatchNormParams p;
  p.eps = decimal(r.attr_float("epsilon", 1e-5f));
  p.momentum = 1 - decimal(r.attr_float("momentum", 0.9f));
  const std::string x = r.blob(0);
  const Shape& shape = r.shape(x);
  const int64_t channels = shape.rank() >= 2 ? shape[1] : 0;
  std::vector<Tensor> params;  // scale, B, mean, var: weight, bias, running_mean, running_var
  for (int i = 1; i <= 4; ++i) {
    const onnx_io::Constant& c = r.need_constant(i);
    if (c.numel() != channels)
      r.fail("input " + std::to_string(i) + " holds " + std::to_string(c.numel()) +
             " values, expected one per channel of " + shape.str());
    params.push_back(r.to_tensor(c, Shape{channels}));
  }
  r.add(std::make_shared<BatchNormOp>(p), {x}, std::move(params));
}

// ONNX always scales and shifts: without affine, by constant ones and zeros.
void write_onnx(onnx_io::NodeWriter& w) {
  const BatchNormParams& p = w.op<BatchNormOp>().params();
  std::vector<std::string> inputs = w.inputs();
  if (p.affine) {
    inputs.push_back(w.initializer("weight"));
    inputs.push_back(w.initializer("bias"));
  } else {
    Tensor ones(Shape{w.input_shapes()[0][1]}), zeros(ones.shape());
    for (int64_t c = 0; c < ones.numel(); ++c) ones[c] = 1, zeros[c] = 0;
    inputs.push_back(w.constant("weight", ones));
    inputs.push_back(w.constant("bias", zeros));
  }
  inputs.push_back(w.initializer("running_mean"));
  inputs.push_back(w.initializer("running_var"));
  onnx::NodeProto& n = w.node("BatchNormalization", inputs);
  onnx_io::set_float(n, "epsilon", p.eps);
  onnx_io::set_float(n, "momentum", 1 - p.momentum);
}

}  // namespace

const FormatEntry& format_entry_batch_norm() {
  static const FormatEntry entry{
      .type = BatchNormOp::kType,
      .caffe = CaffeMapping{.layer_type = "BatchNorm",
                            .v1_type = NoEquivalent{"BatchNorm came after the V1 layer format"},
                            .read = read_caffe,
                            .write = write_caffe,
                            .read_blobs = read_caffe_blobs},
      .onnx =
          OnnxMapping{.node_types = {"BatchNormalization"}, .read = read_onnx, .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
