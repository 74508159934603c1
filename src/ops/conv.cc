#include "ops/conv.h"

#include <string>

#include "core/op_registry.h"
#include "io/caffe_layers.h"
#include "io/onnx_nodes.h"
#include "ops/window.h"

namespace svertka {

ConvGeometry ConvOp::geometry(const Shape& x) const {
  const ConvParams& p = params_;
  if (x.rank() != 4) fail_shape("expects a 4-D input (N,C,H,W), got " + x.str());
  if (p.out_channels <= 0)
    fail_param("out_channels must be positive, got " + std::to_string(p.out_channels));
  if (const std::string error =
          window_error(p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.pad_h, p.pad_w);
      !error.empty())
    fail_param(error);
  if (p.groups <= 0 || x[1] % p.groups != 0 || p.out_channels % p.groups != 0)
    fail_param("groups=" + std::to_string(p.groups) + " must divide both input channels (" +
               std::to_string(x[1]) + ") and out_channels (" + std::to_string(p.out_channels) +
               ")");
  const int64_t pad_bottom = p.pad_bottom.value_or(p.pad_h);
  const int64_t pad_right = p.pad_right.value_or(p.pad_w);
  if (pad_bottom < 0 || pad_right < 0)
    fail_param("end padding must be non-negative, got pad_bottom=" + std::to_string(pad_bottom) +
               " pad_right=" + std::to_string(pad_right));
  const int64_t padded_h = x[2] + p.pad_h + pad_bottom, padded_w = x[3] + p.pad_w + pad_right;
  if (p.kernel_h > padded_h || p.kernel_w > padded_w)
    fail_shape("kernel " + std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w) +
               " is larger than the padded input " + std::to_string(padded_h) + "x" +
               std::to_string(padded_w) + " (input " + x.str() + ")");
  ConvGeometry g;
  g.n = x[0], g.c = x[1], g.h = x[2], g.w = x[3];
  g.o = p.out_channels;
  g.kh = p.kernel_h, g.kw = p.kernel_w, g.sh = p.stride_h, g.sw = p.stride_w;
  g.ph = p.pad_h, g.pw = p.pad_w, g.groups = p.groups;
  g.oh = (padded_h - p.kernel_h) / p.stride_h + 1;
  g.ow = (padded_w - p.kernel_w) / p.stride_w + 1;
  return g;
}

std::vector<Shape> ConvOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  const ConvGeometry g = geometry(inputs[0]);
  return {Shape{g.n, g.o, g.oh, g.ow}};
}

std::vector<Shape> ConvOp::param_shapes(const std::vector<Shape>& inputs) const {
  const ConvGeometry g = geometry(inputs.at(0));
  std::vector<Shape> shapes{Shape{g.o, g.c_per_group(), g.kh, g.kw}};
  if (params_.bias) shapes.push_back(Shape{g.o});
  return shapes;
}

std::vector<std::string> ConvOp::param_names() const {
  if (params_.bias) return {"weight", "bias"};
  return {"weight"};
}

int64_t ConvOp::forward_macs(const std::vector<Shape>& inputs) const {
  const ConvGeometry g = geometry(inputs.at(0));
  return g.n * g.o * g.oh * g.ow * g.c_per_group() * g.kh * g.kw;
}

// The registry entry (core/op_registry.h): Caffe "Convolution", ONNX "Conv", catalog "conv".

namespace {

// A Caffe (h, w) pair given as *_h / *_w, or as a repeated field of one or two values.
void pick_pair(const caffe_io::LayerReader& r,
               const google::protobuf::RepeatedField<uint32_t>& repeated, bool has_hw, int64_t h,
               int64_t w, int64_t fallback, int64_t& out_h, int64_t& out_w, const char* field) {
  if (has_hw) {
    out_h = h, out_w = w;
  } else if (repeated.empty()) {
    out_h = out_w = fallback;
  } else if (repeated.size() <= 2) {
    out_h = repeated.Get(0), out_w = repeated.Get(repeated.size() - 1);
  } else {
    r.fail(std::string("more than 2 ") + field + " values (N-d convolution)");
  }
}

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(1, 1);
  const auto& p = r.layer().convolution_param();
  for (uint32_t d : p.dilation())
    if (d != 1) r.fail("dilation other than 1 is unsupported");
  if (p.axis() != 1) r.fail("axis other than 1 is unsupported");
  ConvParams c;
  c.out_channels = p.num_output();
  pick_pair(r, p.kernel_size(), p.has_kernel_h() || p.has_kernel_w(), p.kernel_h(), p.kernel_w(), 0,
            c.kernel_h, c.kernel_w, "kernel_size");
  pick_pair(r, p.stride(), p.has_stride_h() || p.has_stride_w(), p.stride_h(), p.stride_w(), 1,
            c.stride_h, c.stride_w, "stride");
  pick_pair(r, p.pad(), p.has_pad_h() || p.has_pad_w(), p.pad_h(), p.pad_w(), 0, c.pad_h, c.pad_w,
            "pad");
  c.groups = p.group();
  c.bias = p.bias_term();
  std::vector<const caffe::FillerParameter*> fillers{
      caffe_io::filler_if(p.has_weight_filler(), p.weight_filler())};
  if (c.bias) fillers.push_back(caffe_io::filler_if(p.has_bias_filler(), p.bias_filler()));
  r.add(std::make_shared<ConvOp>(c), r.params(fillers));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const ConvParams& p = w.op<ConvOp>().params();
  if (p.pad_bottom.value_or(p.pad_h) != p.pad_h || p.pad_right.value_or(p.pad_w) != p.pad_w)
    w.unsupported("asymmetric padding");
  auto* c = w.layer().mutable_convolution_param();
  c->set_num_output(uint32_t(p.out_channels));
  c->set_bias_term(p.bias);
  c->set_kernel_h(uint32_t(p.kernel_h)), c->set_kernel_w(uint32_t(p.kernel_w));
  c->set_stride_h(uint32_t(p.stride_h)), c->set_stride_w(uint32_t(p.stride_w));
  c->set_pad_h(uint32_t(p.pad_h)), c->set_pad_w(uint32_t(p.pad_w));
  if (p.groups != 1) c->set_group(uint32_t(p.groups));
  w.param(w.layer(), 0, c->mutable_weight_filler());
  if (p.bias) w.param(w.layer(), 1, c->mutable_bias_filler());
}

void read_onnx(onnx_io::NodeReader& r) {
  r.expect_explicit_pads();
  const onnx_io::Constant& w = r.need_constant(1);
  if (w.dims.size() != 4) r.fail("only 2-D convolutions are supported");
  ConvParams p;
  p.out_channels = w.dims[0];
  const auto kernel = r.attr_ints("kernel_shape", {w.dims[2], w.dims[3]}, 2);
  const auto strides = r.attr_ints("strides", {1, 1}, 2);
  const auto pads = r.attr_ints("pads", {0, 0, 0, 0}, 4);
  p.kernel_h = kernel.at(0), p.kernel_w = kernel.at(1);
  p.stride_h = strides.at(0), p.stride_w = strides.at(1);
  p.pad_h = pads.at(0), p.pad_w = pads.at(1), p.pad_bottom = pads.at(2), p.pad_right = pads.at(3);
  p.groups = r.attr_int("group", 1);
  p.bias = r.has_input(2);
  std::vector<Tensor> params{onnx_io::to_tensor(w, Shape(w.dims))};
  if (p.bias) params.push_back(onnx_io::to_tensor(r.need_constant(2), Shape{p.out_channels}));
  r.add(std::make_shared<ConvOp>(p), {r.blob(0)}, std::move(params));
}

void write_onnx(onnx_io::NodeWriter& w) {
  const ConvParams& p = w.op<ConvOp>().params();
  std::vector<std::string> inputs = w.inputs();
  inputs.push_back(w.initializer("weight"));
  if (p.bias) inputs.push_back(w.initializer("bias"));
  onnx::NodeProto& n = w.node("Conv", inputs);
  onnx_io::set_ints(n, "kernel_shape", {p.kernel_h, p.kernel_w});
  onnx_io::set_ints(n, "strides", {p.stride_h, p.stride_w});
  onnx_io::set_ints(
      n, "pads", {p.pad_h, p.pad_w, p.pad_bottom.value_or(p.pad_h), p.pad_right.value_or(p.pad_w)});
  onnx_io::set_int(n, "group", p.groups);
}

std::shared_ptr<Op> read_catalog(const CatalogRow& row) {
  ConvParams p;
  p.out_channels = row.integer("out", 0);
  p.kernel_h = p.kernel_w = row.integer("kernel", 1);
  p.stride_h = p.stride_w = row.integer("stride", 1);
  p.pad_h = p.pad_w = row.integer("pad", 0);
  p.groups = row.integer("groups", 1);
  return std::make_shared<ConvOp>(p);
}

CatalogRow write_catalog(const Op& op) {
  const ConvParams& p = dynamic_cast<const ConvOp&>(op).params();
  CatalogRow row{"conv",
                 {{"out", std::to_string(p.out_channels)},
                  {"kernel", std::to_string(p.kernel_h)},
                  {"stride", std::to_string(p.stride_h)},
                  {"pad", std::to_string(p.pad_h)}}};
  if (p.groups != 1) row.values["groups"] = std::to_string(p.groups);
  return row;
}

std::vector<OpSample> samples() {
  ConvParams p;
  p.out_channels = 4;
  p.kernel_h = p.kernel_w = 3;
  p.pad_h = p.pad_w = 1;
  ConvParams grouped = p;
  grouped.groups = 2;
  grouped.stride_h = grouped.stride_w = 2;
  grouped.bias = false;
  return {{std::make_shared<ConvOp>(p), {Shape{2, 3, 5, 5}}},
          {std::make_shared<ConvOp>(grouped), {Shape{1, 4, 6, 5}}}};
}

}  // namespace

const OpEntry& op_entry_conv() {
  static const OpEntry entry{
      .type = ConvOp::kType,
      .caffe = CaffeMapping{.layer_type = "Convolution",
                            .v1_type = "CONVOLUTION",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"Conv"}, .read = read_onnx, .write = write_onnx},
      .catalog = CatalogMapping{.kinds = {"conv"}, .read = read_catalog, .write = write_catalog},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
