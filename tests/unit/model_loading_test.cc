// load_model and make_net: a zoo name or a net file, shaped for the data, with its weights.
#include "svertka/io/model_loading.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "image_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/io/safetensors.h"

namespace svertka::testing {
namespace {

// A 1x4x4 image in, 3 class scores out: ip.weight (3,16), ip.bias (3).
const std::string kTinyNet = R"(name: "Tiny"
layer { name: "image" type: "Input" top: "image" input_param { shape: { dim: 1 dim: 1 dim: 4 dim: 4 } } }
layer { name: "ip" type: "InnerProduct" bottom: "image" top: "ip" inner_product_param { num_output: 3 } }
)";

const ModelOptions kTinyData{.num_classes = 3, .channels = 1, .height = 4, .width = 4, .batch = 2};

std::vector<NamedTensor> tiny_weights() {
  Tensor weight(Shape{3, 16}), bias(Shape{3});
  for (int64_t i = 0; i < weight.numel(); ++i) weight[i] = 0.01f * float(i);
  for (int64_t i = 0; i < bias.numel(); ++i) bias[i] = -1.0f - float(i);
  return {{"ip.weight", weight}, {"ip.bias", bias}};
}

bool has_top(const NetSpec& spec, const std::string& blob) {
  return std::any_of(spec.layers.begin(), spec.layers.end(), [&](const LayerSpec& layer) {
    return std::find(layer.tops.begin(), layer.tops.end(), blob) != layer.tops.end();
  });
}

const InputSpec* find_input(const NetSpec& spec, const std::string& name) {
  for (const InputSpec& input : spec.inputs)
    if (input.name == name) return &input;
  return nullptr;
}

void expect_tiny_weights(const Net& net) {
  for (const NamedTensor& expected : tiny_weights()) {
    const Tensor* value = nullptr;
    for (const Parameter& p : net.params())
      if (p.name == expected.name) value = &p.value;
    ASSERT_NE(value, nullptr) << expected.name;
    ASSERT_EQ(value->shape(), expected.tensor.shape()) << expected.name;
    for (int64_t i = 0; i < value->numel(); ++i)
      EXPECT_EQ((*value)[i], expected.tensor[i]) << expected.name << "[" << i << "]";
  }
}

TEST(LoadModel, AZooModelIsBuiltForTheDataWithItsLogitsAndNoWeights) {
  const ImportedModel model =
      load_model("lenet", "", {.model = {.num_classes = 10, .channels = 1, .batch = 4}});
  EXPECT_EQ(model.logits, model_info("lenet").logits);
  EXPECT_TRUE(model.weights.empty());
  const InputSpec* data = find_input(model.spec, kDataBlob);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->shape[0], 4);
  EXPECT_EQ(data->shape[1], 1);
  EXPECT_NE(find_input(model.spec, kLabelBlob), nullptr);
  EXPECT_TRUE(has_top(model.spec, kAccuracyTop1));
  EXPECT_TRUE(has_top(model.spec, kAccuracyTop5));
}

TEST(LoadModel, ANetFileIsAdaptedToTheData) {
  TempDir dir;
  write_text(dir / "tiny.prototxt", kTinyNet);
  const ImportedModel model = load_model(dir / "tiny.prototxt", "", {.model = kTinyData});
  EXPECT_EQ(model.logits, "ip");
  EXPECT_EQ(find_input(model.spec, "image"), nullptr);
  const InputSpec* data = find_input(model.spec, kDataBlob);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->shape, (Shape{2, 1, 4, 4}));
  const InputSpec* label = find_input(model.spec, kLabelBlob);
  ASSERT_NE(label, nullptr);
  EXPECT_EQ(label->shape, Shape{2});
  EXPECT_TRUE(has_top(model.spec, kAccuracyTop1));
  EXPECT_TRUE(has_top(model.spec, kAccuracyTop5));
}

TEST(LoadModel, CaffemodelWeightsLandInTheNetByLayerName) {
  TempDir dir;
  write_text(dir / "tiny.prototxt", kTinyNet);
  save_caffe(load_caffe_net(dir / "tiny.prototxt").spec, tiny_weights(), dir / "saved.prototxt",
             dir / "saved.caffemodel");
  const ImportedModel model =
      load_model(dir / "saved.prototxt", dir / "saved.caffemodel", {.model = kTinyData});
  EXPECT_EQ(model.weights_source, dir / "saved.caffemodel");
  expect_tiny_weights(*make_net(model, {.phase = Phase::kTest}));
}

TEST(LoadModel, SafetensorsWeightsLandInTheNetAndMomentumIsLeftOut) {
  TempDir dir;
  write_text(dir / "tiny.prototxt", kTinyNet);
  std::vector<NamedTensor> checkpoint = tiny_weights();
  checkpoint.push_back({"solver/momentum/ip.weight", Tensor(Shape{3, 16})});
  save_safetensors(dir / "tiny.safetensors", checkpoint, {});
  const ImportedModel model =
      load_model(dir / "tiny.prototxt", dir / "tiny.safetensors", {.model = kTinyData});
  EXPECT_EQ(model.weights.size(), 2u);
  expect_tiny_weights(*make_net(model, {.phase = Phase::kTest}));
}

TEST(LoadModel, WeightsLackingAParameterNameTheFileAndTheParameter) {
  TempDir dir;
  write_text(dir / "tiny.prototxt", kTinyNet);
  save_safetensors(dir / "partial.safetensors", {tiny_weights()[0]}, {});
  const ImportedModel model =
      load_model(dir / "tiny.prototxt", dir / "partial.safetensors", {.model = kTinyData});
  SVERTKA_EXPECT_THROW_WITH(make_net(model, {.phase = Phase::kTest}), IoError,
                            "partial.safetensors", "ip.bias");
}

TEST(LoadModel, RequiredWeightsThatNothingHoldsAreAnErrorNamingTheModel) {
  SVERTKA_EXPECT_THROW_WITH(load_model("lenet", "", {.require_weights = true}), ParamError,
                            "lenet");
}

TEST(LoadModel, AnUnknownModelNameIsAnErrorNamingIt) {
  SVERTKA_EXPECT_THROW_WITH(load_model("no_such_net", "", {}), NotFoundError, "no_such_net");
}

TEST(LoadModel, OnlyPrototxtAndOnnxAreModelFiles) {
  EXPECT_TRUE(is_model_file("a/b.prototxt"));
  EXPECT_TRUE(is_model_file("b.onnx"));
  EXPECT_FALSE(is_model_file("alexnet"));
  EXPECT_FALSE(is_model_file("w.safetensors"));
}

TEST(ModelInput, OneChannelWeightsMakeAColourNetFileGreyscale) {
  TempDir dir;
  write_text(dir / "conv.prototxt", R"(name: "Conv"
layer { name: "data" type: "Input" top: "data" input_param { shape: { dim: 1 dim: 3 dim: 32 dim: 32 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 } }
)");
  save_safetensors(dir / "grey.safetensors",
                   {{"conv1.weight", Tensor(Shape{4, 1, 3, 3})}, {"conv1.bias", Tensor(Shape{4})}},
                   {});
  const ModelInput colour = model_input(dir / "conv.prototxt");
  EXPECT_EQ(colour.channels, 3);
  EXPECT_EQ(colour.crop, 32);
  const ModelInput grey = model_input(dir / "conv.prototxt", dir / "grey.safetensors");
  EXPECT_EQ(grey.channels, 1);
  EXPECT_EQ(grey.crop, 32);
}

}  // namespace
}  // namespace svertka::testing
