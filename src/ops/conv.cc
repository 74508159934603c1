#include "svertka/ops/conv.h"

#include <string>

#include "core/op_registry.h"
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

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in conv_formats.cc.

namespace {

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
      .catalog = CatalogMapping{.kinds = {"conv"}, .read = read_catalog, .write = write_catalog},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
