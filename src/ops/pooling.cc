#include "svertka/ops/pooling.h"

#include <string>

#include "core/op_registry.h"
#include "ops/window.h"

namespace svertka {
namespace {

// Caffe's ceil-mode output size, dropping a last window that would start in the padding; or the
// floor-mode size.
int64_t pooled_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t pad_end,
                    bool ceil_mode) {
  const int64_t span = in + pad + pad_end - kernel;
  int64_t out = (ceil_mode ? span + stride - 1 : span) / stride + 1;
  if (ceil_mode && (pad > 0 || pad_end > 0) && (out - 1) * stride >= in + pad) --out;
  return out;
}

}  // namespace

PoolGeometry PoolOp::geometry(const Shape& x) const {
  const PoolParams& p = params_;
  if (x.rank() != 4) fail_shape("expects a 4-D input (N,C,H,W), got " + x.str());
  PoolGeometry g;
  g.n = x[0], g.c = x[1], g.h = x[2], g.w = x[3];
  if (p.global_pooling) {
    if (p.stride_h != 1 || p.stride_w != 1 || p.pad_h != 0 || p.pad_w != 0 ||
        p.pad_bottom.value_or(0) != 0 || p.pad_right.value_or(0) != 0)
      fail_param("global pooling takes stride 1 and pad 0, got stride_h=" +
                 std::to_string(p.stride_h) + " stride_w=" + std::to_string(p.stride_w) +
                 " pad_h=" + std::to_string(p.pad_h) + " pad_w=" + std::to_string(p.pad_w));
    if (g.h <= 0 || g.w <= 0) fail_shape("global pooling needs a non-empty input, got " + x.str());
    g.kh = g.h, g.kw = g.w, g.sh = g.sw = 1, g.ph = g.pw = g.pb = g.pr = 0;
    g.oh = g.ow = 1;
    return g;
  }
  if (const std::string error =
          window_error(p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.pad_h, p.pad_w);
      !error.empty())
    fail_param(error);
  const int64_t pad_bottom = p.pad_bottom.value_or(p.pad_h);
  const int64_t pad_right = p.pad_right.value_or(p.pad_w);
  if (pad_bottom < 0 || pad_right < 0)
    fail_param("end padding must be non-negative, got pad_bottom=" + std::to_string(pad_bottom) +
               " pad_right=" + std::to_string(pad_right));
  // Caffe forbids it: a window could then lie entirely in the padding.
  if (p.pad_h >= p.kernel_h || p.pad_w >= p.kernel_w || pad_bottom >= p.kernel_h ||
      pad_right >= p.kernel_w)
    fail_param("pad must be smaller than the kernel, got pad_h=" + std::to_string(p.pad_h) +
               " pad_w=" + std::to_string(p.pad_w) + " pad_bottom=" + std::to_string(pad_bottom) +
               " pad_right=" + std::to_string(pad_right) + " for kernel " +
               std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w));
  const int64_t padded_h = g.h + p.pad_h + pad_bottom, padded_w = g.w + p.pad_w + pad_right;
  if (p.kernel_h > padded_h || p.kernel_w > padded_w)
    fail_shape("kernel " + std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w) +
               " is larger than the padded input " + std::to_string(padded_h) + "x" +
               std::to_string(padded_w) + " (input " + x.str() + ")");
  g.kh = p.kernel_h, g.kw = p.kernel_w, g.sh = p.stride_h, g.sw = p.stride_w;
  g.ph = p.pad_h, g.pw = p.pad_w, g.pb = pad_bottom, g.pr = pad_right;
  g.oh = pooled_size(g.h, g.kh, g.sh, g.ph, g.pb, p.ceil_mode);
  g.ow = pooled_size(g.w, g.kw, g.sw, g.pw, g.pr, p.ceil_mode);
  return g;
}

std::vector<Shape> PoolOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  const PoolGeometry g = geometry(inputs[0]);
  return {Shape{g.n, g.c, g.oh, g.ow}};
}

int64_t PoolOp::forward_macs(const std::vector<Shape>& inputs) const {
  const PoolGeometry g = geometry(inputs.at(0));
  return g.n * g.c * g.oh * g.ow * g.kh * g.kw;
}

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in pooling_formats.cc.

namespace {

std::shared_ptr<Op> read_catalog(const CatalogRow& row) {
  PoolParams p;
  p.method = row.kind == "maxpool" ? PoolMethod::kMax : PoolMethod::kAverage;
  p.kernel_h = p.kernel_w = row.integer("kernel", 1);
  p.stride_h = p.stride_w = row.integer("stride", 1);
  p.pad_h = p.pad_w = row.integer("pad", 0);
  return std::make_shared<PoolOp>(p);
}

CatalogRow write_catalog(const Op& op) {
  const PoolParams& p = dynamic_cast<const PoolOp&>(op).params();
  return {p.method == PoolMethod::kMax ? "maxpool" : "avgpool",
          {{"kernel", std::to_string(p.kernel_h)},
           {"stride", std::to_string(p.stride_h)},
           {"pad", std::to_string(p.pad_h)}}};
}

std::vector<OpSample> samples() {
  PoolParams max;
  max.kernel_h = max.kernel_w = 3;
  max.stride_h = max.stride_w = 2;
  PoolParams average = max;
  average.method = PoolMethod::kAverage;
  average.pad_h = average.pad_w = 1;
  PoolParams global;
  global.method = PoolMethod::kAverage;
  global.global_pooling = true;
  return {{std::make_shared<PoolOp>(max), {Shape{2, 3, 7, 6}}},
          {std::make_shared<PoolOp>(average), {Shape{2, 2, 6, 6}}},
          {std::make_shared<PoolOp>(global), {Shape{1, 3, 4, 5}}}};
}

}  // namespace

const OpEntry& op_entry_pooling() {
  static const OpEntry entry{
      .type = PoolOp::kType,
      .catalog =
          CatalogMapping{
              .kinds = {"maxpool", "avgpool"}, .read = read_catalog, .write = write_catalog},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
