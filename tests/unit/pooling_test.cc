#include "svertka/ops/pooling.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

PoolOp pool(PoolMethod method, int64_t kernel, int64_t stride = 1, int64_t pad = 0) {
  PoolParams p;
  p.method = method;
  p.kernel_h = p.kernel_w = kernel;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  return PoolOp(p);
}
PoolOp max_pool(int64_t kernel, int64_t stride = 1, int64_t pad = 0) {
  return pool(PoolMethod::kMax, kernel, stride, pad);
}
PoolOp avg_pool(int64_t kernel, int64_t stride = 1, int64_t pad = 0) {
  return pool(PoolMethod::kAverage, kernel, stride, pad);
}
PoolOp global_pool(PoolMethod method) {
  PoolParams p;
  p.method = method;
  p.global_pooling = true;
  return PoolOp(p);
}
PoolOp rect_pool(PoolMethod method) {  // 3x2 kernel, stride 2x1, pad 1x0
  PoolParams p;
  p.method = method;
  p.kernel_h = 3, p.kernel_w = 2, p.stride_h = 2, p.stride_w = 1, p.pad_h = 1, p.pad_w = 0;
  return PoolOp(p);
}

Shape out(const PoolOp& op, const Shape& x) {
  return op.output_shapes({x})[0];
}

// Distinct values 0.01 apart in random order: no two window elements come within 100 finite
// difference steps of each other, so no max-pooling kink lies inside a central difference.
TensorD spaced_values(const Shape& shape, uint64_t seed) {
  TensorD t(shape);
  std::vector<int64_t> order(static_cast<size_t>(t.numel()));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = 0.01 * double(order[i] - t.numel() / 2);
  return t;
}

TEST(Pooling, CaffeCeilOutputSizes) {
  // GoogLeNet's 3x3/2 pools, ceil: (112-3)/2 = 54.5 -> 55 + 1 = 56, and so on.
  EXPECT_EQ(out(max_pool(3, 2), Shape{1, 64, 112, 112}), (Shape{1, 64, 56, 56}));
  EXPECT_EQ(out(max_pool(3, 2), Shape{1, 192, 56, 56}), (Shape{1, 192, 28, 28}));
  EXPECT_EQ(out(max_pool(3, 2), Shape{1, 480, 28, 28}), (Shape{1, 480, 14, 14}));
  EXPECT_EQ(out(max_pool(3, 2), Shape{1, 832, 14, 14}), (Shape{1, 832, 7, 7}));
  // AlexNet: 55 -> 27 -> 13 -> 6, exact divisions.
  EXPECT_EQ(out(max_pool(3, 2), Shape{2, 96, 55, 55}), (Shape{2, 96, 27, 27}));
  EXPECT_EQ(out(max_pool(3, 2), Shape{2, 256, 13, 13}), (Shape{2, 256, 6, 6}));
  // Ceil where floor differs: (6-3)/2 = 1.5 -> 2 + 1 = 3 (floor gives 2).
  EXPECT_EQ(out(max_pool(3, 2), Shape{1, 1, 6, 6}), (Shape{1, 1, 3, 3}));
  // GoogLeNet's auxiliary heads: (14-5)/3 = 3 + 1 = 4.
  EXPECT_EQ(out(avg_pool(5, 3), Shape{1, 512, 14, 14}), (Shape{1, 512, 4, 4}));
  // Padded, no drop: (7+2-3)/2 = 3 + 1 = 4; (4-1)*2 = 6 < 7+1.
  EXPECT_EQ(out(max_pool(3, 2, 1), Shape{1, 1, 7, 7}), (Shape{1, 1, 4, 4}));
  // The drop rule: (5+2-2)/2 = 2.5 -> 3 + 1 = 4, but window 3 would start at 3*2-1 = 5 >= H = 5,
  // inside the padding: (4-1)*2 = 6 >= 5+1, so 3.
  EXPECT_EQ(out(max_pool(2, 2, 1), Shape{1, 1, 5, 5}), (Shape{1, 1, 3, 3}));
  // Again: (4+4-3)/3 = 1.67 -> 2 + 1 = 3; (3-1)*3 = 6 >= 4+2, so 2.
  EXPECT_EQ(out(avg_pool(3, 3, 2), Shape{1, 1, 4, 4}), (Shape{1, 1, 2, 2}));
  // Rectangular: H (6+2-3)/2 = 2.5 -> 3 + 1 = 4; W (5-2)/1 + 1 = 4.
  EXPECT_EQ(out(rect_pool(PoolMethod::kMax), Shape{2, 3, 6, 5}), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(out(global_pool(PoolMethod::kAverage), Shape{2, 1024, 7, 7}), (Shape{2, 1024, 1, 1}));
}

TEST(AveragePooling, CaffeDivisorHandComputed) {
  // x = 1..16 on 4x4, 3x3/2 pad 1 -> 3x3. Row (and column) windows: [-1,2) clipped to [0,2),
  // [1,4), and [3,6) cut at H + pad = 5 to [3,5), clipped to [3,4). Divisor extents 3, 3, 2: the
  // padded cell at -1 and at 4 count, the cell at 5 beyond H + pad does not.
  Tensor x(Shape{1, 1, 4, 4}), y(Shape{1, 1, 3, 3});
  for (int i = 0; i < 16; ++i) x[i] = float(i + 1);
  const float expected[] = {14.f / 9, 30.f / 9, 12.f / 6, 57.f / 9, 99.f / 9,
                            36.f / 6, 27.f / 6, 45.f / 6, 16.f / 4};
  // Unpadded, 3x3/2 on 4x4 -> 2x2: the second window [2,5) is cut to [2,4), divisor extent 2.
  Tensor y0(Shape{1, 1, 2, 2});
  const float expected0[] = {54.f / 9, 45.f / 6, 72.f / 6, 54.f / 4};
  // Padded, 2x2/2 pad 1 on 3x3 -> 2x2 (the drop rule removes a third window starting at 3):
  // every window is whole within H + pad, so the divisor is 4, padded cells included.
  Tensor x1(Shape{1, 1, 3, 3}), y1(Shape{1, 1, 2, 2});
  for (int i = 0; i < 9; ++i) x1[i] = float(i + 1);
  const float expected1[] = {1.f / 4, 5.f / 4, 11.f / 4, 28.f / 4};

  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    auto run = [&](const PoolOp& op, const Tensor& input, Tensor& output) {
      KernelRegistry::instance()
          .make(op, backend, {input.shape()})
          ->forward({{&input}, {}, {&output}});
    };
    run(avg_pool(3, 2, 1), x, y);
    for (int i = 0; i < 9; ++i) EXPECT_FLOAT_EQ(y[i], expected[i]) << i;
    run(avg_pool(3, 2), x, y0);
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(y0[i], expected0[i]) << i;
    run(avg_pool(2, 2, 1), x1, y1);
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(y1[i], expected1[i]) << i;
  }
}

TEST(MaxPooling, PaddingNeverWinsAndTiesGoToTheFirst) {
  // All negative: a zero from the padding would win if padding counted. All equal within a window:
  // the gradient goes to the window's first element in row-major order.
  Tensor x(Shape{1, 1, 2, 2}), y(Shape{1, 1, 2, 2}), dy(Shape{1, 1, 2, 2}), dx(Shape{1, 1, 2, 2});
  x.fill(-3.0f);
  dy.fill(1.0f);
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    const PoolOp op = max_pool(2, 1, 1);  // 2x2/1 pad 1 on 2x2 -> 3x3
    Tensor y3(Shape{1, 1, 3, 3});
    auto padded = KernelRegistry::instance().make(op, backend, {x.shape()});
    padded->forward({{&x}, {}, {&y3}});
    for (int i = 0; i < 9; ++i) EXPECT_EQ(y3[i], -3.0f) << i;

    auto whole = KernelRegistry::instance().make(max_pool(2), backend, {x.shape()});
    Tensor y1(Shape{1, 1, 1, 1}), dy1(Shape{1, 1, 1, 1});
    dy1[0] = 1.0f;
    whole->forward({{&x}, {}, {&y1}});
    whole->backward({{&x}, {}, {&y1}, {&dy1}, {&dx}, {}});
    EXPECT_EQ(dx[0], 1.0f);
    EXPECT_EQ(dx[1] + dx[2] + dx[3], 0.0f);
  }
}

TEST(MaxPooling, GradientCheck) {
  GradientCheckOptions options;
  options.max_points_per_tensor = 0;
  const std::pair<PoolOp, Shape> cases[] = {
      {max_pool(3, 2), Shape{2, 3, 7, 7}},
      {max_pool(3, 2, 1), Shape{2, 2, 6, 6}},  // padded, ceil
      {max_pool(2, 2, 1), Shape{1, 3, 5, 5}},  // the drop rule
      {max_pool(3, 1, 1), Shape{1, 2, 5, 4}},  // overlapping windows, as in inception
      {rect_pool(PoolMethod::kMax), Shape{2, 2, 6, 5}},
      {global_pool(PoolMethod::kMax), Shape{2, 3, 4, 3}},
  };
  uint64_t seed = 1;
  for (const auto& [op, x] : cases) {
    SCOPED_TRACE(x.str());
    expect_gradients_ok(op, {spaced_values(x, seed)}, seed + 100, options);
    ++seed;
  }
}

TEST(AveragePooling, GradientCheck) {
  const std::pair<PoolOp, Shape> cases[] = {
      {avg_pool(3, 2), Shape{2, 3, 8, 8}},     // ceil: the last window reaches past H
      {avg_pool(3, 2, 1), Shape{2, 2, 6, 6}},  // padded, last window past H + pad
      {avg_pool(2, 2, 1), Shape{1, 3, 5, 5}},  // the drop rule
      {avg_pool(5, 3), Shape{1, 2, 14, 14}},   // GoogLeNet's auxiliary heads
      {rect_pool(PoolMethod::kAverage), Shape{2, 2, 6, 5}},
      {global_pool(PoolMethod::kAverage), Shape{2, 3, 4, 3}},
  };
  uint64_t seed = 1;
  for (const auto& [op, x] : cases) {
    SCOPED_TRACE(x.str());
    expect_gradients_ok(op, {random_tensor<double>(x, seed)}, seed + 100);
    ++seed;
  }
}

// Geometries oneDNN runs natively and those its kernel hands to the reference (noted).
TEST(MaxPooling, ReferenceVsDnnlRandom) {
  expect_backends_agree(max_pool(3, 2), {Shape{2, 5, 9, 9}}, 1);
  expect_backends_agree(max_pool(3, 2), {Shape{2, 4, 8, 8}}, 2);     // ceil, pad_r = 1
  expect_backends_agree(max_pool(3, 1, 1), {Shape{2, 6, 7, 7}}, 3);  // inception
  expect_backends_agree(max_pool(3, 2, 1), {Shape{2, 3, 6, 7}}, 4);  // padded, ceil
  expect_backends_agree(max_pool(2, 2, 1), {Shape{2, 3, 5, 5}}, 5);  // the drop rule
  expect_backends_agree(max_pool(2, 5, 1), {Shape{2, 3, 4, 4}}, 6);  // pad_r < 0: reference
  expect_backends_agree(rect_pool(PoolMethod::kMax), {Shape{2, 3, 6, 5}}, 7);
  expect_backends_agree(global_pool(PoolMethod::kMax), {Shape{2, 8, 7, 7}}, 8);
}

TEST(AveragePooling, ReferenceVsDnnlRandom) {
  expect_backends_agree(avg_pool(3, 2), {Shape{2, 5, 9, 9}}, 1);
  expect_backends_agree(avg_pool(3, 2), {Shape{2, 4, 8, 8}}, 2);     // past H: reference
  expect_backends_agree(avg_pool(3, 1, 1), {Shape{2, 6, 7, 7}}, 3);  // padded, within H + pad
  expect_backends_agree(avg_pool(3, 2, 1), {Shape{2, 3, 6, 7}}, 4);  // past H + pad: reference
  expect_backends_agree(avg_pool(2, 2, 1), {Shape{2, 3, 5, 5}}, 5);  // the drop rule
  expect_backends_agree(avg_pool(2, 5, 1), {Shape{2, 3, 4, 4}}, 6);  // pad_r < 0: reference
  expect_backends_agree(avg_pool(5, 3), {Shape{2, 16, 14, 14}}, 7);
  expect_backends_agree(rect_pool(PoolMethod::kAverage), {Shape{2, 3, 7, 5}}, 8);
  expect_backends_agree(global_pool(PoolMethod::kAverage), {Shape{2, 8, 7, 7}}, 9);
}

TEST(MaxPooling, ReferenceVsDnnlCatalogShapes) {
  expect_backends_agree_on_catalog("maxpool", 11);
}

TEST(AveragePooling, ReferenceVsDnnlCatalogShapes) {
  expect_backends_agree_on_catalog("avgpool", 12);
}

TEST(Pooling, BadParametersNameTheOpAndValues) {
  const Shape x{1, 3, 8, 8};
  PoolOp zero_kernel = max_pool(0);
  zero_kernel.set_name("pool1");
  SVERTKA_EXPECT_THROW_WITH(zero_kernel.output_shapes({x}), ParamError, "Pooling 'pool1'",
                            "kernel must be positive", "0x0");
  SVERTKA_EXPECT_THROW_WITH(max_pool(3, 0).output_shapes({x}), ParamError, "Pooling", "stride_h=0");
  SVERTKA_EXPECT_THROW_WITH(avg_pool(3, 1, -1).output_shapes({x}), ParamError, "Pooling",
                            "pad_h=-1");
  SVERTKA_EXPECT_THROW_WITH(max_pool(2, 1, 2).output_shapes({x}), ParamError, "Pooling",
                            "smaller than the kernel", "pad_h=2", "kernel 2x2");
  SVERTKA_EXPECT_THROW_WITH(max_pool(11, 1, 1).output_shapes({x}), ShapeError, "Pooling",
                            "kernel 11x11", "10x10");
  SVERTKA_EXPECT_THROW_WITH(max_pool(3).output_shapes({Shape{3, 8, 8}}), ShapeError, "Pooling",
                            "4-D", "(3,8,8)");
  PoolParams global;
  global.global_pooling = true;
  global.pad_h = 1;
  SVERTKA_EXPECT_THROW_WITH(PoolOp(global).output_shapes({x}), ParamError, "Pooling",
                            "global pooling", "pad_h=1");
}

}  // namespace
}  // namespace svertka::testing

namespace svertka::testing {
namespace {

// ONNX-style pools: pads [top, left, bottom, right], floor or ceil, averages of real cells.
PoolOp onnx_pool(PoolMethod method, int64_t kernel, int64_t stride, std::vector<int64_t> pads,
                 bool ceil_mode, bool exclude_padding) {
  PoolParams p;
  p.method = method;
  p.kernel_h = p.kernel_w = kernel;
  p.stride_h = p.stride_w = stride;
  p.pad_h = pads[0], p.pad_w = pads[1], p.pad_bottom = pads[2], p.pad_right = pads[3];
  p.ceil_mode = ceil_mode;
  p.exclude_padding = exclude_padding;
  return PoolOp(p);
}

TEST(Pooling, EndPaddingAndFloorOutputSizes) {
  // ONNX AlexNet pool5: 3x3/2 with pads [0,0,1,1] on 13x13, floor -> 6x6.
  EXPECT_EQ(
      out(onnx_pool(PoolMethod::kMax, 3, 2, {0, 0, 1, 1}, false, true), Shape{1, 256, 13, 13}),
      (Shape{1, 256, 6, 6}));
  // ONNX GoogLeNet: 3x3/2 floor on 112 -> 55 where Caffe's ceil gives 56.
  EXPECT_EQ(
      out(onnx_pool(PoolMethod::kMax, 3, 2, {0, 0, 0, 0}, false, true), Shape{1, 64, 112, 112}),
      (Shape{1, 64, 55, 55}));
  EXPECT_EQ(out(max_pool(3, 2), Shape{1, 64, 112, 112}), (Shape{1, 64, 56, 56}));
  // ONNX GoogLeNet's head: 7x7/1 average with pads [0,0,1,1] on 6x6 -> 1x1.
  EXPECT_EQ(
      out(onnx_pool(PoolMethod::kAverage, 7, 1, {0, 0, 1, 1}, false, true), Shape{1, 8, 6, 6}),
      (Shape{1, 8, 1, 1}));
  // Asymmetric in the other direction, ceil.
  EXPECT_EQ(out(onnx_pool(PoolMethod::kMax, 3, 2, {1, 2, 0, 1}, true, true), Shape{1, 1, 8, 9}),
            (Shape{1, 1, 4, 6}));
}

TEST(AveragePooling, ExcludePaddingDividesByRealCellsHandComputed) {
  // 2x2 input [[1,2],[3,4]], 2x2/1 pool with end padding 1: windows at (0,0),(0,1),(1,0),(1,1).
  Tensor x(Shape{1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) x[i] = float(i + 1);
  for (const Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    for (const bool exclude : {true, false}) {
      const PoolOp op = onnx_pool(PoolMethod::kAverage, 2, 1, {0, 0, 1, 1}, false, exclude);
      Tensor y(out(op, x.shape()));
      KernelRegistry::instance().make(op, backend, {x.shape()})->forward({{&x}, {}, {&y}});
      const std::vector<float> expected =
          exclude ? std::vector<float>{2.5f, 3, 3.5f, 4} : std::vector<float>{2.5f, 1.5f, 1.75f, 1};
      for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(y[i], expected[size_t(i)]) << i;
    }
  }
}

TEST(Pooling, EndPaddingReferenceVsDnnlAndGradients) {
  const PoolOp cases[] = {
      onnx_pool(PoolMethod::kMax, 3, 2, {0, 0, 1, 1}, false, true),
      onnx_pool(PoolMethod::kMax, 3, 2, {1, 0, 0, 2}, true, true),
      onnx_pool(PoolMethod::kAverage, 3, 2, {0, 0, 1, 1}, false, true),
      onnx_pool(PoolMethod::kAverage, 3, 2, {1, 2, 2, 0}, true, true),
      onnx_pool(PoolMethod::kAverage, 3, 2, {0, 1, 2, 1}, true, false),
      onnx_pool(PoolMethod::kAverage, 2, 1, {0, 0, 1, 1}, false, false),
  };
  uint64_t seed = 21;
  for (const PoolOp& op : cases) {
    expect_backends_agree(op, {Shape{2, 3, 9, 8}}, seed);
    expect_gradients_ok(op, {spaced_values(Shape{1, 2, 7, 6}, seed)}, seed + 100);
    ++seed;
  }
}

}  // namespace
}  // namespace svertka::testing
