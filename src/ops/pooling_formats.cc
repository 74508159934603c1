// The Caffe and ONNX mappings of PoolOp: its format entry (io/format_registry.h).
// Caffe "Pooling", ONNX "MaxPool" / "AveragePool" / "GlobalMaxPool" / "GlobalAveragePool".
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/pooling.h"

namespace svertka {

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(1, 1);
  const auto& p = r.layer().pooling_param();
  PoolParams q;
  if (p.pool() == caffe::PoolingParameter::STOCHASTIC) r.fail("pool: STOCHASTIC is unsupported");
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
  r.add(std::make_shared<PoolOp>(q));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const PoolParams& p = w.op<PoolOp>().params();
  if (p.pad_bottom.value_or(p.pad_h) != p.pad_h || p.pad_right.value_or(p.pad_w) != p.pad_w)
    w.unsupported("asymmetric padding");
  if (p.exclude_padding) w.unsupported("an average over the real cells only");
  auto* out = w.layer().mutable_pooling_param();
  out->set_pool(p.method == PoolMethod::kMax ? caffe::PoolingParameter::MAX
                                             : caffe::PoolingParameter::AVE);
  if (p.global_pooling) {
    out->set_global_pooling(true);
  } else {
    out->set_kernel_h(uint32_t(p.kernel_h)), out->set_kernel_w(uint32_t(p.kernel_w));
    out->set_stride_h(uint32_t(p.stride_h)), out->set_stride_w(uint32_t(p.stride_w));
    out->set_pad_h(uint32_t(p.pad_h)), out->set_pad_w(uint32_t(p.pad_w));
  }
  if (!p.ceil_mode) out->set_round_mode(caffe::PoolingParameter::FLOOR);
}

void read_onnx(onnx_io::NodeReader& r) {
  const std::string& op = r.node().op_type();
  PoolParams p;
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    p.method = op == "GlobalMaxPool" ? PoolMethod::kMax : PoolMethod::kAverage;
    p.global_pooling = true;
    return r.add(std::make_shared<PoolOp>(p), {r.blob(0)});
  }
  r.expect_explicit_pads();
  if (r.node().output_size() > 1 && !r.node().output(1).empty())
    r.fail("the Indices output is unsupported");
  if (r.attr_int("storage_order", 0) != 0) r.fail("storage_order 1 is unsupported");
  p.method = op == "MaxPool" ? PoolMethod::kMax : PoolMethod::kAverage;
  const auto kernel = r.attr_ints("kernel_shape", {});
  if (kernel.size() != 2) r.fail("only 2-D pooling is supported");
  const auto strides = r.attr_ints("strides", {1, 1}, 2);
  const auto pads = r.attr_ints("pads", {0, 0, 0, 0}, 4);
  p.kernel_h = kernel[0], p.kernel_w = kernel[1];
  p.stride_h = strides.at(0), p.stride_w = strides.at(1);
  p.pad_h = pads.at(0), p.pad_w = pads.at(1), p.pad_bottom = pads.at(2), p.pad_right = pads.at(3);
  p.ceil_mode = r.attr_int("ceil_mode", 0) != 0;
  p.exclude_padding = r.attr_int("count_include_pad", 0) == 0;
  r.add(std::make_shared<PoolOp>(p), {r.blob(0)});
}

void write_onnx(onnx_io::NodeWriter& w) {
  const PoolParams& p = w.op<PoolOp>().params();
  const bool max = p.method == PoolMethod::kMax;
  if (p.global_pooling) {
    w.node(max ? "GlobalMaxPool" : "GlobalAveragePool", w.inputs());
    return;
  }
  onnx::NodeProto& n = w.node(max ? "MaxPool" : "AveragePool", w.inputs());
  onnx_io::set_ints(n, "kernel_shape", {p.kernel_h, p.kernel_w});
  onnx_io::set_ints(n, "strides", {p.stride_h, p.stride_w});
  onnx_io::set_ints(
      n, "pads", {p.pad_h, p.pad_w, p.pad_bottom.value_or(p.pad_h), p.pad_right.value_or(p.pad_w)});
  onnx_io::set_int(n, "ceil_mode", p.ceil_mode ? 1 : 0);
  if (!max) onnx_io::set_int(n, "count_include_pad", p.exclude_padding ? 0 : 1);
}

}  // namespace

const FormatEntry& format_entry_pooling() {
  static const FormatEntry entry{
      .type = PoolOp::kType,
      .caffe = CaffeMapping{.layer_type = "Pooling",
                            .v1_type = "POOLING",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"MaxPool", "AveragePool", "GlobalMaxPool",
                                         "GlobalAveragePool"},
                          .read = read_onnx,
                          .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
