#include "svertka/ops/inner_product.h"

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

InnerProductOp fc(int64_t out, bool bias = true) {
  InnerProductParams p;
  p.out_features = out;
  p.bias = bias;
  return InnerProductOp(p);
}

TEST(InnerProduct, HandComputedCase) {
  // AlexNet fc6 flattens (N, 256, 6, 6) to 9216 features.
  EXPECT_EQ(fc(4096).output_shapes({Shape{2, 256, 6, 6}})[0], (Shape{2, 4096}));
  EXPECT_EQ(fc(4096).param_shapes({Shape{2, 256, 6, 6}})[0], (Shape{4096, 9216}));
  EXPECT_EQ(fc(4096).forward_macs({Shape{2, 256, 6, 6}}), 2 * 9216 * 4096);

  // x = [[1,2,3],[4,5,6]], w = [[1,0,-1],[.5,.5,.5]], b = [.5,-1]: y = x w^T + b.
  InnerProductOp op = fc(2);
  Tensor x(Shape{2, 3}), w(Shape{2, 3}), b(Shape{2}), y(Shape{2, 2});
  for (int i = 0; i < 6; ++i) x[i] = float(i + 1);
  const float w_values[] = {1, 0, -1, 0.5f, 0.5f, 0.5f};
  for (int i = 0; i < 6; ++i) w[i] = w_values[i];
  b[0] = 0.5f, b[1] = -1;
  // dy = identity: dx = w, dw = x, db = [1, 1].
  Tensor dy(Shape{2, 2}), dx(Shape{2, 3}), dw(Shape{2, 3}), db(Shape{2});
  dy[0] = dy[3] = 1;
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    auto kernel = KernelRegistry::instance().make(op, backend, {x.shape()});
    kernel->forward({{&x}, {&w, &b}, {&y}});
    EXPECT_FLOAT_EQ(y[0], -1.5f);
    EXPECT_FLOAT_EQ(y[1], 2.0f);
    EXPECT_FLOAT_EQ(y[2], -1.5f);
    EXPECT_FLOAT_EQ(y[3], 6.5f);
    kernel->backward({{&x}, {&w, &b}, {&y}, {&dy}, {&dx}, {&dw, &db}});
    for (int i = 0; i < 6; ++i) {
      EXPECT_FLOAT_EQ(dx[i], w[i]) << i;
      EXPECT_FLOAT_EQ(dw[i], x[i]) << i;
    }
    EXPECT_FLOAT_EQ(db[0], 1.0f);
    EXPECT_FLOAT_EQ(db[1], 1.0f);
    // A first layer wants no dx, a frozen one no dw: what is asked for is still right.
    db.zero();
    kernel->backward({{&x}, {&w, &b}, {&y}, {&dy}, {nullptr}, {nullptr, &db}});
    EXPECT_FLOAT_EQ(db[0], 1.0f);
    EXPECT_FLOAT_EQ(db[1], 1.0f);
  }
}

TEST(InnerProduct, GradientCheck) {
  struct Case {
    InnerProductOp op;
    Shape x;
  };
  const Case cases[] = {
      {fc(4), Shape{3, 5}},
      {fc(3), Shape{2, 3, 2, 2}},  // 4-D input, flattened to (2, 12)
      {fc(2, false), Shape{2, 6}},
      {fc(5, false), Shape{1, 2, 3}},
  };
  uint64_t seed = 1;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.x.str());
    expect_gradients_ok(c.op, {random_tensor<double>(c.x, seed)}, seed + 100);
    ++seed;
  }
}

TEST(InnerProduct, ReferenceVsDnnlRandom) {
  expect_backends_agree(fc(19), {Shape{4, 37}}, 1);
  expect_backends_agree(fc(10, false), {Shape{3, 8, 3, 3}}, 2);
  expect_backends_agree(fc(1), {Shape{1, 100}}, 3);
  expect_backends_agree(fc(64), {Shape{16, 2, 5, 5}}, 4);
}

TEST(InnerProduct, ReferenceVsDnnlCatalogShapes) {
  expect_backends_agree_on_catalog("fc", 11);
}

TEST(InnerProduct, BadParametersNameTheOpAndValues) {
  InnerProductOp unset = fc(0);
  unset.set_name("fc6");
  SVERTKA_EXPECT_THROW_WITH(unset.output_shapes({Shape{2, 9216}}), ParamError, "InnerProduct 'fc6'",
                            "out_features", "got 0");
  SVERTKA_EXPECT_THROW_WITH(fc(-3).param_shapes({Shape{2, 10}}), ParamError, "InnerProduct",
                            "got -3");
  SVERTKA_EXPECT_THROW_WITH(fc(4).output_shapes({Shape{10}}), ShapeError, "InnerProduct",
                            "rank >= 2", "(10)");
  SVERTKA_EXPECT_THROW_WITH(fc(4).output_shapes({Shape{2, 3}, Shape{2, 3}}), ShapeError,
                            "InnerProduct", "got 2");
}

}  // namespace
}  // namespace svertka::testing
