#include "ops/conv.h"

#include <string>

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

}  // namespace svertka
