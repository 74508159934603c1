#include "svertka/ops/lrn.h"

#include <dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

LrnOp lrn(int64_t local_size = 5, double alpha = 1e-4, double beta = 0.75, double k = 1.0) {
  LrnParams p;
  p.local_size = local_size;
  p.alpha = alpha;
  p.beta = beta;
  p.k = k;
  return LrnOp(p);
}

TEST(Lrn, HandComputedCase) {
  // x = (1, 2, 3) across channels, n = 3, alpha = 3 (alpha/n = 1), beta = 0.5, k = 1:
  // s = 1 + (1+4), 1 + (1+4+9), 1 + (4+9): windows clipped at both ends; y = x / sqrt(s).
  Tensor x(Shape{1, 3, 1, 1}), y(Shape{1, 3, 1, 1});
  x[0] = 1, x[1] = 2, x[2] = 3;
  const double expected[] = {1 / std::sqrt(6.0), 2 / std::sqrt(15.0), 3 / std::sqrt(14.0)};
  // n = 1: each channel alone, s = 2 + (0.5/1) x^2; beta = 1.
  const double expected1[] = {1 / 2.5, 2 / 4.0, 3 / 6.5};
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    KernelRegistry::instance()
        .make(lrn(3, 3.0, 0.5, 1.0), backend, {x.shape()})
        ->forward({{&x}, {}, {&y}});
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(y[i], expected[i], 1e-6) << i;
    KernelRegistry::instance()
        .make(lrn(1, 0.5, 1.0, 2.0), backend, {x.shape()})
        ->forward({{&x}, {}, {&y}});
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(y[i], expected1[i], 1e-6) << i;
  }
}

TEST(Lrn, GradientCheck) {
  // AlexNet's alpha = 1e-4 makes the normalisation nearly constant; large alphas make the
  // cross-channel term of the gradient matter.
  const std::pair<LrnOp, Shape> cases[] = {
      {lrn(), Shape{2, 7, 3, 3}},
      {lrn(5, 2.0, 0.75, 1.5), Shape{2, 7, 3, 4}},
      {lrn(3, 1.0, 0.5, 0.5), Shape{1, 5, 2, 3}},
      {lrn(7, 3.0, 1.25, 1.0), Shape{2, 4, 2, 2}},  // window wider than the channels
      {lrn(1, 1.0, 0.75, 1.0), Shape{1, 3, 3, 3}},
  };
  uint64_t seed = 1;
  for (const auto& [op, x] : cases) {
    SCOPED_TRACE(x.str());
    expect_gradients_ok(op, {random_tensor<double>(x, seed)}, seed + 100);
    ++seed;
  }
}

TEST(Lrn, ReferenceVsDnnlRandom) {
  expect_backends_agree(lrn(), {Shape{2, 7, 5, 5}}, 1);
  expect_backends_agree(lrn(5, 2.0, 0.75, 1.5), {Shape{2, 16, 6, 7}}, 2);
  expect_backends_agree(lrn(3, 1.0, 0.5, 0.5), {Shape{2, 10, 4, 6}}, 3);
  expect_backends_agree(lrn(7, 3.0, 1.25, 1.0), {Shape{2, 4, 3, 3}}, 4);
  expect_backends_agree(lrn(1, 1.0, 0.75, 1.0), {Shape{1, 3, 3, 3}}, 5);
  // Inference takes oneDNN's plain-layout path; training (above) the blocked one.
  BackendCompareOptions inference;
  inference.phase = Phase::kTest;
  inference.backward = false;
  expect_backends_agree(lrn(5, 2.0, 0.75, 1.5), {Shape{2, 16, 6, 7}}, 6, inference);
  expect_backends_agree(lrn(), {Shape{2, 96, 55, 55}}, 7, inference);
}

// Inference on channel-blocked x runs whichever of oneDNN's two blocked primitives, inference or
// training, ran faster at the first call (backends/cpu_dnnl/lrn.h): sound only while both write
// the same bits, so that the choice never changes a result.
TEST(Lrn, DnnlBlockedInferenceAndTrainingPrimitivesWriteTheSameBits) {
  using tag = dnnl::memory::format_tag;
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (const LrnParams& p : {LrnParams{5, 1e-4, 0.75, 1.0}, LrnParams{3, 2.0, 0.5, 1.5}}) {
    const dnnl::memory::desc desc({3, 48, 13, 17}, dnnl::memory::data_type::f32, tag::nChw16c);
    dnnl::memory x(desc, engine), by_inference(desc, engine), by_training(desc, engine);
    auto* values = static_cast<float*>(x.get_data_handle());
    for (size_t i = 0; i < desc.get_size() / sizeof(float); ++i)
      values[i] = std::max(0.0f, normal(rng));  // as after a ReLU, with exact zeros
    auto primitive = [&](dnnl::prop_kind kind) {
      return dnnl::lrn_forward::primitive_desc(
          {kind, dnnl::algorithm::lrn_across_channels, desc, p.local_size,
           static_cast<float>(p.alpha), static_cast<float>(p.beta), static_cast<float>(p.k)},
          engine);
    };
    const auto training = primitive(dnnl::prop_kind::forward_training);
    dnnl::memory workspace(training.workspace_desc(), engine);
    dnnl::lrn_forward(training).execute(
        stream, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, by_training}, {DNNL_ARG_WORKSPACE, workspace}});
    dnnl::lrn_forward(primitive(dnnl::prop_kind::forward_inference))
        .execute(stream, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, by_inference}});
    stream.wait();
    EXPECT_EQ(std::memcmp(by_inference.get_data_handle(), by_training.get_data_handle(),
                          desc.get_size()),
              0)
        << "local_size " << p.local_size << ", alpha " << p.alpha;
  }
}

TEST(Lrn, ReferenceVsDnnlCatalogShapes) {
  expect_backends_agree_on_catalog("lrn", 9);
}

TEST(Lrn, BadParametersNameTheOpAndValues) {
  const Shape x{1, 8, 4, 4};
  LrnOp even = lrn(4);
  even.set_name("norm1");
  SVERTKA_EXPECT_THROW_WITH(even.output_shapes({x}), ParamError, "LRN 'norm1'", "odd", "got 4");
  SVERTKA_EXPECT_THROW_WITH(lrn(0).output_shapes({x}), ParamError, "LRN", "local_size", "got 0");
  SVERTKA_EXPECT_THROW_WITH(lrn(5, std::nan("")).output_shapes({x}), ParamError, "LRN", "alpha",
                            "nan");
  SVERTKA_EXPECT_THROW_WITH(lrn(5, -1.0).output_shapes({x}), ParamError, "LRN", "alpha", "-1");
  SVERTKA_EXPECT_THROW_WITH(
      lrn(5, 1e-4, std::numeric_limits<double>::infinity()).output_shapes({x}), ParamError, "LRN",
      "beta", "inf");
  SVERTKA_EXPECT_THROW_WITH(lrn(5, 1e-4, 0.75, 0.0).output_shapes({x}), ParamError, "LRN", "k must",
                            "got 0");
  SVERTKA_EXPECT_THROW_WITH(lrn().output_shapes({Shape{8, 4, 4}}), ShapeError, "LRN", "4-D",
                            "(8,4,4)");
}

}  // namespace
}  // namespace svertka::testing
