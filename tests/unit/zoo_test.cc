#include "svertka/zoo.h"

#include <gtest/gtest.h>

#include "op_test_helpers.h"
#include "svertka/net.h"

namespace svertka::testing {
namespace {

int64_t count_params(const std::string& model, Phase phase, const ModelOptions& options = {}) {
  int64_t total = 0;
  for (const LayerInfo& info : describe_layers(build_model(model, options), phase))
    total += info.params;
  return total;
}

TEST(Zoo, ParameterCountsEqualThePapersReferences) {
  EXPECT_EQ(count_params("alexnet", Phase::kTest), 60965224);
  EXPECT_EQ(count_params("vgg11", Phase::kTest), 132863336);
  EXPECT_EQ(count_params("vgg13", Phase::kTest), 133047848);
  EXPECT_EQ(count_params("vgg16", Phase::kTest), 138357544);
  EXPECT_EQ(count_params("vgg19", Phase::kTest), 143667240);
  EXPECT_EQ(count_params("googlenet", Phase::kTest), 6998552);
  EXPECT_EQ(count_params("googlenet", Phase::kTrain), 13378280);  // with both auxiliary heads
  EXPECT_EQ(count_params("lenet", Phase::kTest, {.num_classes = 10, .channels = 1}), 431080);
}

TEST(Zoo, OutputShapesFollowThePapers) {
  auto shape_of = [](const std::string& model, const std::string& layer) {
    for (const LayerInfo& info : describe_layers(build_model(model, {.batch = 2}), Phase::kTrain))
      if (info.name == layer) return info.output_shapes.at(0);
    return Shape{};
  };
  EXPECT_EQ(shape_of("alexnet", "conv1"), (Shape{2, 96, 55, 55}));
  EXPECT_EQ(shape_of("alexnet", "pool5"), (Shape{2, 256, 6, 6}));
  EXPECT_EQ(shape_of("vgg16", "pool5"), (Shape{2, 512, 7, 7}));
  EXPECT_EQ(shape_of("googlenet", "pool1/3x3_s2"), (Shape{2, 64, 56, 56}));
  EXPECT_EQ(shape_of("googlenet", "inception_3b/output"), (Shape{2, 480, 28, 28}));
  EXPECT_EQ(shape_of("googlenet", "pool4/3x3_s2"), (Shape{2, 832, 7, 7}));
  EXPECT_EQ(shape_of("googlenet", "inception_5b/output"), (Shape{2, 1024, 7, 7}));
  EXPECT_EQ(shape_of("googlenet", "loss1/ave_pool"), (Shape{2, 512, 4, 4}));
  EXPECT_EQ(shape_of("alexnet_small", "fc5"), (Shape{2, 1000}));
}

TEST(Zoo, AuxiliaryHeadsOnlyInTrainWithLossWeight) {
  const NetSpec spec =
      build_model("googlenet", {.num_classes = 10, .height = 96, .width = 96, .width_divisor = 8});
  Net train(spec, {.phase = Phase::kTrain});
  Net test(spec, {.phase = Phase::kTest});
  const auto losses = train.losses();
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_FLOAT_EQ(losses[0].second, 0.3f);
  EXPECT_FLOAT_EQ(losses[1].second, 0.3f);
  EXPECT_FLOAT_EQ(losses[2].second, 1.0f);
  EXPECT_EQ(test.losses().size(), 1u);
  EXPECT_FALSE(test.has_blob("loss1/classifier"));
}

TEST(Zoo, EveryModelTakesClassesChannelsAndSize) {
  for (const std::string& name : model_names()) {
    SCOPED_TRACE(name);
    const bool small = name == "lenet" || name == "alexnet_small";
    const ModelOptions o{.num_classes = 7,
                         .channels = small ? 3 : 1,
                         .height = small ? 32 : 0,
                         .width = small ? 32 : 0};
    const auto infos = describe_layers(build_model(name, o), Phase::kTest);
    const std::string logits = model_info(name).logits;
    bool found = false;
    for (const auto& info : infos) {
      if (info.name != logits) continue;
      found = true;
      EXPECT_EQ(info.output_shapes[0][1], 7);
    }
    EXPECT_TRUE(found);
  }
}

TEST(Zoo, UnknownModelListsKnownOnes) {
  SVERTKA_EXPECT_THROW_WITH(build_model("resnet50", {}), NotFoundError, "resnet50", "alexnet",
                            "googlenet");
}

TEST(Zoo, InputTooSmallNamesTheLayer) {
  // AlexNet at 32x32: conv1 gives 6x6, pool1 3x3, pool2 1x1... pool5 has a 3x3 kernel on 1x1.
  SVERTKA_EXPECT_THROW_WITH(
      describe_layers(build_model("alexnet", {.height = 32, .width = 32}), Phase::kTest),
      ShapeError, "pool");
}

}  // namespace
}  // namespace svertka::testing
