// infer_shapes: the one shape walk over a NetSpec, and the one error every caller of it reports
// for a bottom that nothing produces.
#include "svertka/infer_shapes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "op_test_helpers.h"
#include "svertka/ops/relu.h"
#include "svertka/builder.h"
#include "svertka/io/imported_model.h"
#include "svertka/io/onnx.h"
#include "svertka/net.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

std::shared_ptr<Op> relu() {
  return std::make_shared<ReluOp>(ReluParams{});
}

TEST(InferShapes, GivesEveryLayersShapesAndEveryBlobs) {
  const NetSpec spec = build_model("lenet", {.num_classes = 10, .channels = 1, .batch = 2});
  const NetShapes shapes = infer_shapes(spec, Phase::kTest);
  ASSERT_EQ(shapes.layers.size(), spec.layers.size());
  EXPECT_EQ(shapes.layers[0].index, 0u);
  EXPECT_EQ(shapes.layers[0].bottoms, (std::vector<Shape>{Shape{2, 1, 28, 28}}));
  EXPECT_EQ(shapes.layers[0].tops, (std::vector<Shape>{Shape{2, 20, 24, 24}}));
  EXPECT_EQ(shapes.blobs.at("data"), (Shape{2, 1, 28, 28}));
  EXPECT_EQ(shapes.blobs.at("pool2"), (Shape{2, 50, 4, 4}));
  EXPECT_EQ(shapes.blobs.at("ip2"), (Shape{2, 10}));
}

TEST(InferShapes, WalksOnePhaseOrEveryLayer) {
  const NetSpec spec = build_model("googlenet", {.num_classes = 10, .batch = 1});
  const NetShapes test = infer_shapes(spec, Phase::kTest);
  const NetShapes all = infer_shapes(spec, std::nullopt);
  EXPECT_FALSE(test.blobs.count("loss1/classifier"));  // the auxiliary heads train only
  EXPECT_EQ(all.blobs.at("loss1/classifier"), (Shape{1, 10}));
  EXPECT_EQ(all.layers.size(), spec.layers.size());
  EXPECT_LT(test.layers.size(), all.layers.size());
}

TEST(InferShapes, AnUnknownBottomIsTheSameShapeErrorForEveryCaller) {
  NetBuilder b("typo");
  b.input("data", Shape{1, 2});
  b.add("r", relu(), {"dta"}, {"r_out"});
  const NetSpec spec = b.build();
  const char* const said[] = {"net 'typo', layer 'r'", "bottom 'dta'", "neither"};
  SVERTKA_EXPECT_THROW_WITH(infer_shapes(spec, Phase::kTest), ShapeError, said[0], said[1],
                            said[2]);
  SVERTKA_EXPECT_THROW_WITH(describe_layers(spec, Phase::kTest), ShapeError, said[0], said[1],
                            said[2]);
  SVERTKA_EXPECT_THROW_WITH(Net(spec, {.phase = Phase::kTest}), ShapeError, said[0], said[1],
                            said[2]);
  SVERTKA_EXPECT_THROW_WITH(infer_param_shapes(spec), ShapeError, said[0], said[1], said[2]);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("svertka_typo_" + std::to_string(::getpid()) + ".onnx"))
                               .string();
  SVERTKA_EXPECT_THROW_WITH(save_onnx(spec, {}, path), ShapeError, said[0], said[1], said[2]);
}

TEST(InferShapes, ABottomOnlyTheOtherPhaseProducesSaysSo) {
  NetBuilder b("phases");
  b.input("data", Shape{1, 2});
  b.only_in(Phase::kTrain);
  b.add("train_only", relu(), {"data"}, {"t"});
  b.only_in(std::nullopt);
  b.add("reader", relu(), {"t"}, {"u"});
  const NetSpec spec = b.build();
  EXPECT_EQ(infer_shapes(spec, Phase::kTrain).blobs.at("u"), (Shape{1, 2}));
  SVERTKA_EXPECT_THROW_WITH(infer_shapes(spec, Phase::kTest), ShapeError, "layer 'reader'",
                            "'t' comes only from layer 'train_only'", "does not run in TEST");
}

TEST(InferShapes, ALaterProducerAndACycleAreNamed) {
  NetBuilder later("later");
  later.input("data", Shape{1, 2});
  later.add("first", relu(), {"b"}, {"a"});
  later.add("second", relu(), {"data"}, {"b"});
  SVERTKA_EXPECT_THROW_WITH(infer_shapes(later.build(), Phase::kTest), ShapeError, "layer 'first'",
                            "only by a later layer ('second')");
  NetBuilder cyclic("cyclic");
  cyclic.input("data", Shape{1, 2});
  cyclic.add("a", relu(), {"c_out"}, {"a_out"});
  cyclic.add("c", relu(), {"a_out"}, {"c_out"});
  SVERTKA_EXPECT_THROW_WITH(infer_shapes(cyclic.build(), std::nullopt), ShapeError,
                            "cycle: a <- c <- a");
}

TEST(InferShapes, TopsTheOpDoesNotMakeAndAMissingOpAreParamErrors) {
  NetBuilder b("tops");
  b.input("data", Shape{1, 2});
  b.add("two", relu(), {"data"}, {"x", "y"});
  SVERTKA_EXPECT_THROW_WITH(infer_shapes(b.build(), Phase::kTest), ParamError, "layer 'two'",
                            "produces 1 top(s), the spec names 2");
  NetSpec empty = b.build();
  empty.layers[0].op = nullptr;
  SVERTKA_EXPECT_THROW_WITH(infer_shapes(empty, Phase::kTest), ParamError, "layer 'two'",
                            "has no op");
}

}  // namespace
}  // namespace svertka::testing
