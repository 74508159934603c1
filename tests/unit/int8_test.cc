// int8 convolution and inner-product kernels (a quantized model's layers, ops/int8.h) against the
// fp32 reference kernels.
//
// The bound. The kernel computes sum_i q(x_i) q(w_i) exactly (s32), where q(x) = round(x / s_x)
// s_x with |q(x) - x| <= s_x / 2 for x within the calibrated range (no saturation: the scale comes
// from max |x|, as calibration by maximum does), and q(w) = round(w / s_o) s_o, |q(w) - w| <= s_o /
// 2 per output channel o. So each product is off by at most
//   |q(x) q(w) - x w| <= s_x/2 |w| + s_o/2 |x| + s_x s_o / 4,
// and y_o by at most s_x/2 sum|w| + s_o/2 sum|x| + T s_x s_o / 4 over its T terms; the sums are
// computed by the reference kernel on |w| with ones, and on |x| with ones. The output scaling and
// bias in fp32 add 2^-20 |y| at most. Without VNNI oneDNN halves the weights and svertka rounds a
// non-negative input to 7 bits (cpu_dnnl.h), doubling both steps. The test also checks that the
// error is an int8 kernel's: somewhere beyond a tenth of the bound's scale, which fp32 rounding
// cannot reach.
#include <gtest/gtest.h>

#include <cmath>

#include "op_test_helpers.h"
#include "svertka/backends/cpu_dnnl.h"
#include "svertka/device.h"
#include "svertka/ops/conv.h"
#include "svertka/ops/inner_product.h"

namespace svertka::testing {
namespace {

Tensor filled(const Shape& shape, float value) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = value;
  return t;
}

Tensor absolute(const Tensor& t) {
  Tensor a(t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) a[i] = std::fabs(t[i]);
  return a;
}

Tensor forward(const Op& op, Device& device, const Tensor& x, const Tensor& w, const Tensor& b) {
  auto kernel = KernelRegistry::instance().make(op, device, {x.shape()});
  Tensor y(op.output_shapes({x.shape()})[0]);
  kernel->forward({{&x}, {&w, &b}, {&y}, Phase::kTest});
  return y;
}

// max |w_o| / 127 per output channel (the first dimension of w).
std::vector<double> channel_steps(const Tensor& w) {
  const int64_t rows = w.dim(0), per_row = w.numel() / rows;
  std::vector<double> steps(static_cast<size_t>(rows));
  for (int64_t o = 0; o < rows; ++o) {
    double largest = 0;
    for (int64_t i = 0; i < per_row; ++i)
      largest = std::max(largest, double(std::fabs(w[o * per_row + i])));
    steps[static_cast<size_t>(o)] = largest / 127;
  }
  return steps;
}

// `make(int8)` builds the op with or without its quantization; x in [lo, 1].
template <class MakeOp>
void expect_int8_within_bound(MakeOp make, const Shape& x_shape, double lo, uint64_t seed) {
  const std::unique_ptr<Op> fp32 = make(std::nullopt);
  const std::vector<Shape> params = fp32->param_shapes({x_shape});
  const Tensor x = random_tensor<float>(x_shape, seed, lo, 1.0);
  const Tensor w = random_tensor<float>(params[0], seed + 1),
               b = random_tensor<float>(params[1], seed + 2);
  double largest = 0;
  for (int64_t i = 0; i < x.numel(); ++i) largest = std::max(largest, double(std::fabs(x[i])));
  const Int8Quantization q{.input_scale = float(largest / (lo >= 0 ? 255 : 127)),
                           .input_min = float(lo)};
  const std::unique_ptr<Op> int8 = make(q);

  const auto device = open_device(Backend::kCpuDnnl);
  const Tensor actual = forward(*int8, *device, x, w, b);
  Device& reference = host_device();
  const Tensor expected = forward(*fp32, reference, x, w, b);
  const Tensor zero(params[1]);
  const Tensor sum_w = forward(*fp32, reference, filled(x_shape, 1), absolute(w), zero);
  const Tensor sum_x = forward(*fp32, reference, absolute(x), filled(params[0], 1), zero);
  const Tensor terms = forward(*fp32, reference, filled(x_shape, 1), filled(params[0], 1), zero);

  const std::vector<double> w_steps = channel_steps(w);
  // Without VNNI: oneDNN halves a convolution's weights, svertka quantizes an inner product's
  // to 63.
  const double weight_factor = dnnl_int8_vnni()                 ? 1
                               : fp32->type() == "InnerProduct" ? 127.0 / 63
                                                                : 2;
  const double input_factor = dnnl_int8_vnni() || lo < 0 ? 1 : 255.0 / 127;  // 7-bit u8 inputs
  const int64_t channels = actual.dim(1), inner = actual.numel() / actual.dim(0) / channels;
  int64_t over = 0;
  double worst = 0, largest_ratio = 0;
  for (int64_t i = 0; i < actual.numel(); ++i) {
    const int64_t o = (i / inner) % channels;
    const double sx = input_factor * q.input_scale, so = weight_factor * w_steps[size_t(o)];
    const double bound = sx / 2 * sum_w[i] + so / 2 * sum_x[i] + terms[i] * sx * so / 4 +
                         std::ldexp(std::fabs(expected[i]), -20);
    const double error = std::fabs(double(actual[i]) - double(expected[i]));
    if (error > bound) ++over;
    worst = std::max(worst, error / bound);
  }
  for (int64_t i = 0; i < actual.numel(); ++i) {
    const double error = std::fabs(double(actual[i]) - double(expected[i]));
    largest_ratio = std::max(largest_ratio, error / (q.input_scale * sum_w[i] + 1e-30));
  }
  SCOPED_TRACE(fp32->label() + " " + x_shape.str() + (lo >= 0 ? " u8" : " s8"));
  EXPECT_EQ(over, 0) << over << " of " << actual.numel() << " beyond the int8 bound (worst "
                     << worst << " x the bound)";
  EXPECT_GT(largest_ratio, 0.01) << "errors as small as fp32's: not computed in int8";
}

auto conv(int64_t out, int64_t kernel, int64_t stride, int64_t pad, int64_t groups = 1) {
  return [=](std::optional<Int8Quantization> int8) -> std::unique_ptr<Op> {
    ConvParams p;
    p.out_channels = out;
    p.kernel_h = p.kernel_w = kernel;
    p.stride_h = p.stride_w = stride;
    p.pad_h = p.pad_w = pad;
    p.groups = groups;
    p.int8 = int8;
    return std::make_unique<ConvOp>(p);
  };
}

auto fc(int64_t out) {
  return [=](std::optional<Int8Quantization> int8) -> std::unique_ptr<Op> {
    return std::make_unique<InnerProductOp>(InnerProductParams{.out_features = out, .int8 = int8});
  };
}

TEST(Int8, ConvolutionWithinTheQuantizationBoundOfTheReference) {
  expect_int8_within_bound(conv(32, 3, 1, 1), Shape{2, 16, 10, 10}, 0.0, 1);   // u8 (after ReLU)
  expect_int8_within_bound(conv(16, 5, 1, 2, 2), Shape{2, 16, 9, 9}, 0.0, 2);  // grouped (conv2)
  expect_int8_within_bound(conv(16, 7, 3, 0), Shape{2, 3, 23, 23}, -1.0, 3);   // s8 image input
  expect_int8_within_bound(conv(24, 3, 1, 1, 2), Shape{2, 8, 7, 7}, -1.0, 4);  // s8, grouped
}

TEST(Int8, InnerProductWithinTheQuantizationBoundOfTheReference) {
  expect_int8_within_bound(fc(24), Shape{4, 8, 3, 3}, 0.0, 5);
  expect_int8_within_bound(fc(10), Shape{8, 300}, -1.0, 6);
}

TEST(Int8, KernelsHaveNoBackwardPass) {
  const auto device = open_device(Backend::kCpuDnnl);
  const std::unique_ptr<Op> op = fc(4)(Int8Quantization{.input_scale = 0.01f});
  auto kernel = KernelRegistry::instance().make(*op, *device, {Shape{2, 3}});
  Tensor x(Shape{2, 3}), w(Shape{4, 3}), b(Shape{4}), y(Shape{2, 4}), dy(Shape{2, 4}),
      dx(Shape{2, 3});
  kernel->forward({{&x}, {&w, &b}, {&y}, Phase::kTest});
  SVERTKA_EXPECT_THROW_WITH(kernel->backward({{&x}, {&w, &b}, {&y}, {&dy}, {&dx}, {}}),
                            BackendError, "no backward pass");
}

}  // namespace
}  // namespace svertka::testing
