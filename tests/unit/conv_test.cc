#include "svertka/ops/conv.h"

#include "backends/cpu_dnnl/conv.h"
#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

ConvOp conv(int64_t out, int64_t kernel, int64_t stride = 1, int64_t pad = 0, int64_t groups = 1) {
  ConvParams p;
  p.out_channels = out;
  p.kernel_h = p.kernel_w = kernel;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  p.groups = groups;
  return ConvOp(p);
}

TEST(Convolution, OutputShapeFollowsFloorRule) {
  // AlexNet conv1: (227 - 11) / 4 + 1 = 55.
  EXPECT_EQ(conv(96, 11, 4).output_shapes({Shape{1, 3, 227, 227}})[0], (Shape{1, 96, 55, 55}));
  // Floor: (8 + 2 - 3) / 2 + 1 = 4, the last padded row unused.
  EXPECT_EQ(conv(4, 3, 2, 1).output_shapes({Shape{2, 3, 8, 7}})[0], (Shape{2, 4, 4, 4}));
  EXPECT_EQ(conv(256, 5, 1, 2, 2).param_shapes({Shape{1, 96, 27, 27}})[0], (Shape{256, 48, 5, 5}));
}

TEST(Convolution, HandComputedCase) {
  // A 3x3 input of 1..9, a 2x2 kernel of ones, bias 0.5: each output is a 2x2 window sum + 0.5.
  ConvOp op = conv(1, 2);
  Tensor x(Shape{1, 1, 3, 3}), w(Shape{1, 1, 2, 2}), b(Shape{1}), y(Shape{1, 1, 2, 2});
  for (int i = 0; i < 9; ++i) x[i] = float(i + 1);
  w.fill(1.0f);
  b[0] = 0.5f;
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    auto kernel = KernelRegistry::instance().make(op, backend, {x.shape()});
    kernel->forward({{&x}, {&w, &b}, {&y}});
    EXPECT_FLOAT_EQ(y[0], 12.5f) << backend_name(backend);
    EXPECT_FLOAT_EQ(y[1], 16.5f);
    EXPECT_FLOAT_EQ(y[2], 24.5f);
    EXPECT_FLOAT_EQ(y[3], 28.5f);
  }
}

TEST(Convolution, GradientCheck) {
  struct Case {
    ConvOp op;
    Shape x;
  };
  ConvParams rect;
  rect.out_channels = 3, rect.kernel_h = 2, rect.kernel_w = 3, rect.stride_h = 1, rect.stride_w = 2;
  rect.pad_h = 1, rect.pad_w = 0, rect.bias = false;
  const Case cases[] = {
      {conv(3, 3, 1, 1), Shape{2, 2, 5, 5}},
      {conv(4, 3, 2, 1, 2), Shape{2, 4, 7, 6}},  // groups, stride, floor rounding
      {conv(2, 1), Shape{1, 3, 4, 4}},
      {ConvOp(rect), Shape{2, 2, 5, 7}},
  };
  uint64_t seed = 1;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.x.str());
    expect_gradients_ok(c.op, {random_tensor<double>(c.x, seed)}, seed + 100);
    ++seed;
  }
}

TEST(Convolution, ReferenceVsDnnlRandom) {
  expect_backends_agree(conv(8, 3, 1, 1), {Shape{2, 5, 9, 9}}, 1);
  expect_backends_agree(conv(6, 5, 2, 2, 3), {Shape{2, 6, 11, 10}}, 2);
  expect_backends_agree(conv(4, 3, 2, 0), {Shape{1, 3, 8, 8}}, 3);  // floor drops a column
}

ConvOp with_algorithm(ConvOp op, ConvAlgorithm algorithm) {
  ConvParams p = op.params();
  p.algorithm = algorithm;
  return ConvOp(p);
}

TEST(Convolution, WinogradAndDirectBothMatchTheReference) {
  const Shape x{4, 32, 14, 14};  // a 3x3 stride-1 layer, the only kind Winograd takes
  for (ConvAlgorithm algorithm : {ConvAlgorithm::kDirect, ConvAlgorithm::kWinograd}) {
    const ConvOp op = with_algorithm(conv(48, 3, 1, 1), algorithm);
    const cpu_dnnl::Conv kernel(op, {x}, *default_device(Backend::kCpuDnnl));
    if (algorithm == ConvAlgorithm::kDirect) {
      EXPECT_FALSE(kernel.uses_winograd());
    }
    if (algorithm == ConvAlgorithm::kWinograd && !kernel.uses_winograd()) {
      GTEST_SKIP() << "oneDNN has no Winograd convolution on this CPU (it needs AVX-512)";
    }
    expect_backends_agree(op, {x}, 7);
  }
}

// A weight of 64 MiB or more (a fully connected layer as a convolution, dense evaluation) is read
// in its plain layout rather than converted at each call (conv.cc); forward and backward still
// agree with the reference. 1024 x 512 x 7 x 7 floats: 103 MB.
TEST(Convolution, ALargeWeightReadInItsPlainLayoutMatchesTheReference) {
  const Shape x{1, 512, 7, 8};
  const ConvOp large = conv(1024, 7), small = conv(64, 7);
  EXPECT_FALSE(
      cpu_dnnl::Conv(large, {x}, *default_device(Backend::kCpuDnnl)).converts_weights_per_call());
  EXPECT_TRUE(
      cpu_dnnl::Conv(small, {x}, *default_device(Backend::kCpuDnnl)).converts_weights_per_call());
  expect_backends_agree(large, {x}, 9);
}

TEST(Convolution, WinogradRequestOnAnInapplicableLayerComputesDirectly) {
  const Shape x{2, 6, 11, 10};
  for (const ConvOp& op : {conv(6, 3, 2, 1), conv(6, 3, 1, 1, 3), conv(6, 5, 1, 2)}) {
    const ConvOp winograd = with_algorithm(op, ConvAlgorithm::kWinograd);
    EXPECT_FALSE(cpu_dnnl::Conv(winograd, {x}, *default_device(Backend::kCpuDnnl)).uses_winograd());
    expect_backends_agree(winograd, {x}, 8);
  }
}

TEST(Convolution, ReferenceVsDnnlCatalogShapes) {
  expect_backends_agree_on_catalog("conv", 7);
}

TEST(Convolution, BadParametersNameTheOpAndValues) {
  ConvOp zero_stride = conv(4, 3, 0);
  zero_stride.set_name("conv1");
  SVERTKA_EXPECT_THROW_WITH(zero_stride.output_shapes({Shape{1, 3, 8, 8}}), ParamError,
                            "Convolution 'conv1'", "stride_h=0");
  SVERTKA_EXPECT_THROW_WITH(conv(4, 9).output_shapes({Shape{1, 3, 8, 8}}), ShapeError, "kernel 9x9",
                            "8x8");
  SVERTKA_EXPECT_THROW_WITH(conv(4, 3, 1, 0, 2).output_shapes({Shape{1, 3, 8, 8}}), ParamError,
                            "groups=2", "(3)");
  SVERTKA_EXPECT_THROW_WITH(conv(4, 3).output_shapes({Shape{3, 8, 8}}), ShapeError, "4-D",
                            "(3,8,8)");
}

}  // namespace
}  // namespace svertka::testing

namespace svertka::testing {
namespace {

TEST(Convolution, EndPaddingShapesBackendsAndGradients) {
  ConvParams p;
  p.out_channels = 4;
  p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 2;
  p.pad_h = 0, p.pad_w = 1, p.pad_bottom = 1, p.pad_right = 0;
  const ConvOp op(p);
  // (7 + 0 + 1 - 3) / 2 + 1 = 3 rows, (8 + 1 + 0 - 3) / 2 + 1 = 4 columns.
  EXPECT_EQ(op.output_shapes({Shape{2, 3, 7, 8}})[0], (Shape{2, 4, 3, 4}));
  expect_backends_agree(op, {Shape{2, 3, 7, 8}}, 31);
  expect_gradients_ok(op, {random_tensor<double>(Shape{1, 3, 7, 8}, 32)}, 33);
}

}  // namespace
}  // namespace svertka::testing
