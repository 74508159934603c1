// Initialising from another net's weights (svertka/solver/init_from.h): VGG's deeper nets from a
// trained A copy exactly the named layers, bitwise, and leave every other parameter at its
// initial value; fine-tuning copies what matches and reports the rest.
#include "svertka/solver/init_from.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "image_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

// A width-reduced model at 32x32, its parameters from the fillers with `seed`.
std::unique_ptr<Net> small_net(const std::string& model, uint64_t seed, int64_t classes = 10) {
  const ModelOptions options{
      .num_classes = classes, .channels = 3, .height = 32, .width = 32, .width_divisor = 16};
  auto net = std::make_unique<Net>(build_model(model, options));
  net->init_params(seed);
  return net;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.bytes()) == 0;
}

std::string layer_of(const std::string& param) {
  return param.substr(0, param.rfind('.'));
}

TEST(InitFrom, CopiesExactlyTheNamedLayersBitwiseAndLeavesTheRest) {
  TempDir dir;
  // A "trained" VGG-11: every value moved away from what any filler gives.
  const auto vgg11 = small_net("vgg11", 1);
  for (Parameter& p : vgg11->params())
    for (int64_t i = 0; i < p.value.numel(); ++i) p.value[i] += 0.5f + 0.001f * float(i % 7);
  save_weights(dir / "vgg11.safetensors", *vgg11);
  const auto vgg16 = small_net("vgg16", 2);
  const auto initial = small_net("vgg16", 2);
  const std::set<std::string> named{"conv1_1", "conv2_1", "conv3_1", "conv3_2",
                                    "fc6",     "fc7",     "fc8"};
  const InitFromReport report =
      init_params_from(*vgg16, load_safetensors(dir / "vgg11.safetensors"),
                       std::vector<std::string>(named.begin(), named.end()));
  EXPECT_EQ(report.copied.size(), 2 * named.size());
  EXPECT_EQ(report.copied.size() + report.skipped.size(), vgg16->params().size());
  for (size_t k = 0; k < vgg16->params().size(); ++k) {
    const Parameter& p = vgg16->params()[k];
    if (named.count(layer_of(p.name))) {
      EXPECT_TRUE(bitwise_equal(p.value, vgg11->param(p.name).value)) << p.name << " not copied";
      EXPECT_FALSE(bitwise_equal(p.value, initial->params()[k].value)) << p.name;
    } else {
      EXPECT_TRUE(bitwise_equal(p.value, initial->params()[k].value)) << p.name << " changed";
    }
  }
}

TEST(InitFrom, WithoutNamesCopiesWhatMatchesAndReportsTheRest) {
  TempDir dir;
  const auto trained = small_net("alexnet_small", 1, /*classes=*/10);
  save_weights(dir / "w.safetensors", *trained);
  auto tuned = small_net("alexnet_small", 2, /*classes=*/5);  // a new classifier
  const auto initial = small_net("alexnet_small", 2, 5);
  const InitFromReport report = init_params_from(*tuned, load_safetensors(dir / "w.safetensors"));
  ASSERT_EQ(report.skipped.size(), 2u);
  EXPECT_EQ(report.skipped[0].name, "fc5.weight");
  EXPECT_NE(report.skipped[0].reason.find("(10,64) in the source, (5,64) here"), std::string::npos)
      << report.skipped[0].reason;
  for (size_t k = 0; k < tuned->params().size(); ++k) {
    const Parameter& p = tuned->params()[k];
    const Tensor& expected =
        layer_of(p.name) == "fc5" ? initial->params()[k].value : trained->param(p.name).value;
    EXPECT_TRUE(bitwise_equal(p.value, expected)) << p.name;
  }
}

TEST(InitFrom, NamedLayersThatCannotBeCopiedAreErrors) {
  TempDir dir;
  save_weights(dir / "w.safetensors", *small_net("alexnet_small", 1, 10));
  const SafetensorsContents source = load_safetensors(dir / "w.safetensors");
  auto net = small_net("alexnet_small", 2, 5);
  SVERTKA_EXPECT_THROW_WITH(init_params_from(*net, source, {"fc5"}), ParamError, "fc5.weight",
                            "(10,64)", "(5,64)");
  SVERTKA_EXPECT_THROW_WITH(init_params_from(*net, source, {"conv9"}), ParamError, "conv9",
                            "conv1");
}

TEST(InitFrom, ARunDirectoryGivesItsWeightsElseItsCheckpoint) {
  TempDir dir;
  std::filesystem::create_directories(dir / "run");
  std::ofstream(dir / "run/checkpoint.safetensors") << "x";
  EXPECT_EQ(resolve_weights_path(dir / "run"), dir / "run/checkpoint.safetensors");
  std::ofstream(dir / "run/weights.safetensors") << "x";
  EXPECT_EQ(resolve_weights_path(dir / "run"), dir / "run/weights.safetensors");
  EXPECT_EQ(resolve_weights_path(dir / "run/checkpoint.safetensors"),
            dir / "run/checkpoint.safetensors");
  EXPECT_THROW(resolve_weights_path(dir / "missing"), NotFoundError);
}

}  // namespace
}  // namespace svertka::testing
