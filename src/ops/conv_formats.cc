// The Caffe and ONNX mappings of ConvOp: its format entry (io/format_registry.h).
// Caffe "Convolution", ONNX "Conv".
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/conv.h"

namespace svertka {

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
  std::vector<Tensor> params{r.to_tensor(w, Shape(w.dims))};
  if (p.bias) params.push_back(r.to_tensor(r.need_constant(2), Shape{p.out_channels}));
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

}  // namespace

const FormatEntry& format_entry_conv() {
  static const FormatEntry entry{
      .type = ConvOp::kType,
      .caffe = CaffeMapping{.layer_type = "Convolution",
                            .v1_type = "CONVOLUTION",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"Conv"}, .read = read_onnx, .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
