// choose_fp32_layers (svertka/io/int8_fallback.h): which layers of an int8 model go back to fp32,
// on accuracies made up so that the right choice is known.
#include "svertka/io/int8_fallback.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "op_test_helpers.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

using Layers = std::set<std::string>;

// A model whose top-1 is 0.9 in fp32 and loses `cost[layer]` for each layer run in int8; counts
// its measurements.
struct MadeUpModel {
  std::map<std::string, double> cost;
  int calls = 0;
  double operator()(const Layers& fp32) {
    ++calls;
    double a = 0.9;
    for (const auto& [layer, c] : cost)
      if (!fp32.contains(layer)) a -= c;
    return a;
  }
};

const std::vector<std::string> kLayers = {"conv1", "conv2", "fc6", "fc7"};

TEST(Int8Fallback, AModelWithinTheLossKeepsEveryLayerInt8AfterOneMeasurement) {
  MadeUpModel model{{{"conv1", 0.001}, {"fc6", 0.002}}};
  const Fp32Fallback f =
      choose_fp32_layers(kLayers, {.fp32_accuracy = 0.9, .max_loss = 0.005}, std::ref(model));
  EXPECT_EQ(model.calls, 1);
  EXPECT_TRUE(f.within_loss);
  EXPECT_TRUE(f.fp32_layers.empty());
  EXPECT_TRUE(f.one_by_one.empty());
  EXPECT_TRUE(f.steps.empty());
  EXPECT_NEAR(f.accuracy, 0.897, 1e-12);
}

// conv2 costs 30 points, fc7 2, the others 0.1 each: conv2 goes back first, then fc7, and the
// two small ones stay int8 (0.2 points lost, within 0.5).
TEST(Int8Fallback, TheMostHelpfulLayersGoBackUntilTheLossIsWithinTheBound) {
  MadeUpModel model{{{"conv1", 0.001}, {"conv2", 0.3}, {"fc6", 0.001}, {"fc7", 0.02}}};
  const Fp32Fallback f =
      choose_fp32_layers(kLayers, {.fp32_accuracy = 0.9, .max_loss = 0.005}, std::ref(model));
  EXPECT_NEAR(f.all_int8.accuracy, 0.578, 1e-12);
  ASSERT_EQ(f.one_by_one.size(), 4u);  // each layer alone, in network order
  EXPECT_EQ(f.one_by_one[1].fp32_layers, Layers{"conv2"});
  EXPECT_NEAR(f.one_by_one[1].accuracy, 0.878, 1e-12);
  ASSERT_EQ(f.steps.size(), 2u);
  EXPECT_EQ(f.steps[0].fp32_layers, Layers{"conv2"});
  EXPECT_EQ(f.steps[1].fp32_layers, (Layers{"conv2", "fc7"}));
  EXPECT_EQ(f.fp32_layers, (Layers{"conv2", "fc7"}));
  EXPECT_NEAR(f.accuracy, 0.898, 1e-12);
  EXPECT_TRUE(f.within_loss);
  EXPECT_EQ(model.calls, 1 + 4 + 1);  // whole, each alone, the second step (the first is known)
}

TEST(Int8Fallback, ForcedLayersStayFp32InEveryMeasurement) {
  MadeUpModel model{{{"conv1", 0.2}, {"conv2", 0.3}, {"fc7", 0.01}}};
  std::vector<Layers> seen;
  auto accuracy = [&](const Layers& fp32) {
    seen.push_back(fp32);
    return model(fp32);
  };
  const Fp32Fallback f = choose_fp32_layers(
      kLayers, {.fp32_accuracy = 0.9, .max_loss = 0.005, .forced = {"conv1"}}, accuracy);
  for (const Layers& s : seen) EXPECT_TRUE(s.contains("conv1"));
  EXPECT_EQ(f.one_by_one.size(), 3u);  // conv1 is not measured alone
  EXPECT_EQ(f.fp32_layers, (Layers{"conv1", "conv2", "fc7"}));
  EXPECT_TRUE(f.within_loss);
}

TEST(Int8Fallback, EveryLayerGoesBackWhenNothingLessWillDo) {
  // Any int8 layer loses 40 points: only the all-fp32 model is within the bound.
  auto accuracy = [](const Layers& fp32) { return fp32.size() == kLayers.size() ? 0.9 : 0.5; };
  const Fp32Fallback f =
      choose_fp32_layers(kLayers, {.fp32_accuracy = 0.9, .max_loss = 0.005}, accuracy);
  EXPECT_EQ(f.steps.size(), kLayers.size());
  EXPECT_EQ(f.fp32_layers, Layers(kLayers.begin(), kLayers.end()));
  EXPECT_TRUE(f.within_loss);
}

TEST(Int8Fallback, UnknownForcedLayersAndNegativeBoundsAreParamErrors) {
  auto never = [](const Layers&) -> double {
    ADD_FAILURE() << "measured before the options were checked";
    return 0;
  };
  SVERTKA_EXPECT_THROW_WITH(
      choose_fp32_layers(kLayers, {.fp32_accuracy = 0.9, .forced = {"pool1"}}, never), ParamError,
      "'pool1'");
  SVERTKA_EXPECT_THROW_WITH(
      choose_fp32_layers(kLayers, {.fp32_accuracy = 0.9, .max_loss = -0.01}, never), ParamError,
      ">= 0");
  SVERTKA_EXPECT_THROW_WITH(
      choose_fp32_layers(kLayers, {.fp32_accuracy = 0.9, .max_loss = std::nan("")}, never),
      ParamError, ">= 0");
}

}  // namespace
}  // namespace svertka::testing
