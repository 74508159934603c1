#include "svertka/ops/concat.h"

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

ConcatOp concat(int axis = 1) {
  ConcatParams p;
  p.axis = axis;
  return ConcatOp(p);
}

std::vector<TensorD> random_inputs(const std::vector<Shape>& shapes, uint64_t seed) {
  std::vector<TensorD> inputs;
  for (const Shape& s : shapes) inputs.push_back(random_tensor<double>(s, ++seed));
  return inputs;
}

TEST(Concat, GradientCheck) {
  struct Case {
    int axis;
    std::vector<Shape> inputs;
  };
  const Case cases[] = {
      {1, {Shape{2, 2, 3, 3}, Shape{2, 3, 3, 3}, Shape{2, 1, 3, 3}}},  // Inception-style, channels
      {0, {Shape{1, 4}, Shape{3, 4}}},
      {-1, {Shape{2, 3, 2}, Shape{2, 3, 4}}},
      {2, {Shape{2, 2, 1, 3}, Shape{2, 2, 3, 3}}},
      {1, {Shape{2, 5}}},  // a single input is a copy
  };
  uint64_t seed = 1;
  for (const auto& c : cases) {
    SCOPED_TRACE("axis " + std::to_string(c.axis) + ", input 0 " + c.inputs[0].str());
    const ConcatOp op = concat(c.axis);
    EXPECT_EQ(op.output_shapes(c.inputs).size(), 1u);
    expect_gradients_ok(op, random_inputs(c.inputs, seed), seed + 100);
    seed += 10;
  }
  EXPECT_EQ(concat().output_shapes({Shape{2, 2, 3, 3}, Shape{2, 3, 3, 3}})[0], (Shape{2, 5, 3, 3}));
}

TEST(Concat, ReferenceVsDnnlRandom) {
  // GoogLeNet inception_3a/output: 64 + 128 + 32 + 32 = 256 channels.
  const std::vector<Shape> inception_3a{Shape{2, 64, 28, 28}, Shape{2, 128, 28, 28},
                                        Shape{2, 32, 28, 28}, Shape{2, 32, 28, 28}};
  EXPECT_EQ(concat().output_shapes(inception_3a)[0], (Shape{2, 256, 28, 28}));
  expect_backends_agree(concat(), inception_3a, 1);
  expect_backends_agree(concat(), {Shape{4, 10}, Shape{4, 6}}, 2);  // 2-D, e.g. features
  expect_backends_agree(concat(0), {Shape{3, 5}, Shape{2, 5}, Shape{1, 5}}, 3);
  expect_backends_agree(concat(-1), {Shape{2, 3, 4, 5}, Shape{2, 3, 4, 2}}, 4);
  expect_backends_agree(concat(), {Shape{2, 7, 3, 3}}, 5);
}

TEST(Concat, BadShapesNameTheOpAndValues) {
  ConcatOp op = concat();
  op.set_name("inception_3a/output");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 64, 28, 28}, Shape{2, 32, 14, 28}}),
                            ShapeError, "Concat 'inception_3a/output'", "input 1 (2,32,14,28)",
                            "(2,64,28,28)", "axis 1");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 64, 28, 28}, Shape{2, 64, 28}}), ShapeError,
                            "input 1 (2,64,28)");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({}), ShapeError, "Concat 'inception_3a/output'",
                            "at least 1 input");
  SVERTKA_EXPECT_THROW_WITH(concat(4).output_shapes({Shape{2, 3, 4, 4}, Shape{2, 3, 4, 4}}),
                            ParamError, "Concat", "axis=4", "(2,3,4,4)", "rank 4");
  SVERTKA_EXPECT_THROW_WITH(concat(-3).output_shapes({Shape{2, 3}}), ParamError, "axis=-3",
                            "(2,3)");
}

}  // namespace
}  // namespace svertka::testing
