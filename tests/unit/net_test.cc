#include "svertka/net.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "op_test_helpers.h"
#include "svertka/ops/relu.h"
#include "svertka/builder.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

// data -> conv -> relu (in place) -> three readers: a 1x1 conv, a max pool + 1x1 conv, and an
// auxiliary FC loss; the first two are concatenated into the main FC loss. Exercises in-place
// layers, gradient accumulation over several readers, concat and weighted losses.
NetSpec branching_net() {
  NetBuilder b("branching");
  b.default_fillers(Filler::gaussian(0.3), Filler::gaussian(0.1));
  auto x = b.input("data", Shape{2, 3, 6, 6});
  b.input("label", Shape{2});
  x = b.conv("conv", x, Conv(4, 3).pad(1));
  x = b.relu("relu", x);
  const auto left = b.conv("left", x, Conv(3, 1));
  const auto pooled = b.pool("pool", x, Pool::max(3, 1).pad(1));
  const auto right = b.conv("right", pooled, Conv(2, 1));
  const auto joined = b.concat("joined", {left, right});
  const auto scores = b.fc("fc", joined, Fc(5));
  b.softmax_loss("loss", scores, "label");
  const auto aux = b.fc("aux_fc", x, Fc(5));
  b.softmax_loss("aux_loss", aux, "label", 0.3f);
  return b.build();
}

void fill_inputs(Net& net) {
  Tensor& data = net.input("data");
  fill_uniform(data, 11);
  net.input("label")[0] = 1;
  net.input("label")[1] = 4;
}

TEST(Net, GradientsMatchFiniteDifferencesThroughBranchesAndInPlaceLayers) {
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    Net net(branching_net(), {.phase = Phase::kTrain, .backend = backend});
    net.init_params(3);
    fill_inputs(net);
    net.forward();
    net.backward();
    int checked = 0;
    for (Parameter& p : net.params()) {
      const Tensor analytic = p.grad.clone();
      for (int64_t i = 0; i < p.value.numel(); i += std::max<int64_t>(1, p.value.numel() / 7)) {
        const float saved = p.value[i], h = 1e-3f;
        p.value[i] = saved + h;
        const double plus = net.forward();
        p.value[i] = saved - h;
        const double minus = net.forward();
        p.value[i] = saved;
        const double numeric = (plus - minus) / (2.0 * h);
        EXPECT_NEAR(analytic[i], numeric, 1e-2 * std::abs(numeric) + 3e-4)
            << p.name << "[" << i << "]";
        ++checked;
      }
    }
    EXPECT_GT(checked, 40);
  }
}

TEST(Net, InPlaceReluSharesTheBufferOfItsBottom) {
  Net net(branching_net(), {.phase = Phase::kTrain, .backend = Backend::kCpuRef});
  net.init_params(3);
  fill_inputs(net);
  net.forward();
  // "conv" names the post-ReLU blob now: nothing negative survives.
  const Tensor& activations = net.blob("conv");
  for (int64_t i = 0; i < activations.numel(); ++i) EXPECT_GE(activations[i], 0.0f);
}

TEST(Net, InferenceSharesActivationBuffersAndKeepsRequestedBlobs) {
  const NetSpec spec = build_model("alexnet_small", {.num_classes = 10, .channels = 1, .batch = 4});
  Net test(spec, {.phase = Phase::kTest});
  // conv1 and norm1 (the two largest) must coexist; everything else fits in reused buffers.
  EXPECT_LT(test.activation_bytes(), test.unplanned_activation_bytes() * 3 / 5);
  Net keep(spec, {.phase = Phase::kTest, .keep_blobs = {"fc4"}});
  keep.init_params(1);
  fill_uniform(keep.input("data"), 2);
  keep.forward();
  std::vector<std::string> every_blob;
  for (const auto& layer : spec.layers)
    every_blob.insert(every_blob.end(), layer.tops.begin(), layer.tops.end());
  Net plain(spec, {.phase = Phase::kTest, .keep_blobs = every_blob});  // nothing shared
  EXPECT_EQ(plain.activation_bytes(), plain.unplanned_activation_bytes());
  plain.init_params(1);
  plain.input("data").copy_from(keep.input("data"));
  plain.forward();
  EXPECT_LE(max_relative_error(keep.blob("fc4"), plain.blob("fc4")), 1e-6);
}

TEST(Net, TheShapeOnlyMemoryPlanIsTheCompiledNets) {
  // Branches, in-place ReLU, concat and kept blobs: the plan decides each as the Net does.
  const std::vector<std::pair<NetSpec, std::vector<std::string>>> cases{
      {branching_net(), {}},
      {branching_net(), {"relu"}},
      {build_model("alexnet_small", {.num_classes = 10, .channels = 1, .batch = 3}), {}},
      {build_model("alexnet_small", {.num_classes = 10, .channels = 1, .batch = 3}), {"fc4"}},
      {build_model("googlenet", {.num_classes = 10, .batch = 1, .width_divisor = 16}), {}}};
  for (const auto& [spec, keep] : cases) {
    Net net(spec, {.phase = Phase::kTest, .keep_blobs = keep});
    const NetMemoryPlan plan = plan_test_memory(spec, keep);
    EXPECT_EQ(plan.activation_bytes, net.activation_bytes()) << spec.name;
    EXPECT_EQ(plan.param_bytes, net.param_count() * int64_t(sizeof(float))) << spec.name;
    EXPECT_GT(plan.scratch_bytes, 0) << spec.name;
  }
}

TEST(Net, ATestNetHoldsNoGradientsAndSharesGivenParameters) {
  const NetSpec spec = build_model("alexnet_small", {.num_classes = 10, .channels = 1, .batch = 2});
  Net train(spec, {.phase = Phase::kTrain});
  train.init_params(3);
  std::map<std::string, Tensor> given;
  for (const Parameter& p : train.params()) given.emplace(p.name, p.value);
  given["conv1.weight"] = Tensor(Shape{1, 2, 3});  // a wrong shape is allocated, not shared
  Net test(spec, {.phase = Phase::kTest, .shared_params = given});
  for (const Parameter& p : test.params()) {
    EXPECT_FALSE(p.grad.defined()) << p.name;
    EXPECT_EQ(p.value.data() == train.param(p.name).value.data(), p.name != "conv1.weight")
        << p.name;
  }
  EXPECT_EQ(test.param("conv1.weight").value.shape(), train.param("conv1.weight").value.shape());
}

TEST(Net, ABlobWhoseBufferWasReusedIsAnErrorUnlessKept) {
  const NetSpec spec = build_model("alexnet_small", {.num_classes = 10, .channels = 1, .batch = 2});
  Net shared(spec, {.phase = Phase::kTest});
  shared.init_params(1);
  fill_uniform(shared.input("data"), 2);
  shared.forward();
  // conv1's buffer holds a later activation by now: say so instead of returning it.
  SVERTKA_EXPECT_THROW_WITH(shared.blob("conv1"), NotFoundError, "blob 'conv1'", "reused for",
                            "keep_blobs");
  EXPECT_NO_THROW(shared.blob("fc5"));            // the logits: read by the last layers
  EXPECT_NO_THROW(shared.blob("accuracy_top1"));  // an output: nothing reuses it
  Net kept(spec, {.phase = Phase::kTest, .keep_blobs = {"conv1"}});
  Net train(spec, {.phase = Phase::kTrain});  // keeps every activation for backward
  for (Net* net : {&kept, &train}) {
    net->init_params(1);
    net->input("data").copy_from(shared.input("data"));
    net->forward();
  }
  EXPECT_LE(max_relative_error(kept.blob("conv1"), train.blob("conv1")), 1e-6);
}

TEST(Net, AGradientWhoseBufferWasReusedIsAnErrorUnlessKept) {
  const NetSpec spec = build_model("lenet", {.num_classes = 10, .channels = 1, .batch = 2});
  Net shared(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuRef});
  Net kept(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuRef, .keep_blobs = {"ip1"}});
  for (Net* net : {&shared, &kept}) {
    net->init_params(4);
    fill_uniform(net->input("data"), 5);
    net->input("label").zero();
    net->forward();
    net->backward();
  }
  SVERTKA_EXPECT_THROW_WITH(shared.blob_grad("ip1"), NotFoundError, "gradient of blob 'ip1'",
                            "later in backward", "keep_blobs");
  const Tensor& grad = kept.blob_grad("ip1");
  double norm = 0;
  for (int64_t i = 0; i < grad.numel(); ++i) norm += std::abs(grad[i]);
  EXPECT_GT(norm, 0);
}

TEST(Net, AKernelOneDnnCannotMakeIsABackendErrorNamingTheLayer) {
  // oneDNN has no inner product over zero input features (dnnl::error, which used to escape).
  NetBuilder empty("empty");
  empty.fc("fc", empty.input("data", Shape{2, 0}), Fc(3));
  SVERTKA_EXPECT_THROW_WITH(Net(empty.build(), {.backend = Backend::kCpuDnnl}), BackendError,
                            "net 'empty', layer 'fc' (InnerProduct) on cpu_dnnl",
                            "making its kernel", "inner product");
  // Max pooling's workspace for 2^48 outputs (256 TiB) fits no address space.
  NetBuilder huge("huge");
  huge.pool("pool", huge.input("data", Shape{int64_t(1) << 24, 16, 2048, 2048}), Pool::max(2, 2));
  SVERTKA_EXPECT_THROW_WITH(Net(huge.build(), {.phase = Phase::kTest}), BackendError,
                            "net 'huge', layer 'pool' (Pooling) on cpu_dnnl", "making its kernel");
}

TEST(Net, TrainingAndInferenceGiveTheSameLogitsWithoutDropout) {
  NetSpec spec = build_model("lenet", {.num_classes = 10, .channels = 1, .batch = 3});
  Net train(spec, {.phase = Phase::kTrain});
  Net test(spec, {.phase = Phase::kTest});
  train.init_params(5);
  test.init_params(5);
  fill_uniform(train.input("data"), 6);
  test.input("data").copy_from(train.input("data"));
  const float train_loss = train.forward();
  const float test_loss = test.forward();
  EXPECT_NEAR(train_loss, test_loss, 1e-5);
  EXPECT_LE(max_relative_error(train.blob("ip2"), test.blob("ip2")), 1e-6);
}

// A TEST net hands an in-place ReLU (leaky too) to the convolution or inner product before it
// (Kernel::fuse_relu): the ReLU layer does nothing and the logits are those of a TRAIN net, which
// never fuses. A ReLU whose input something else reads too, or that is kept, is not fused.
TEST(Net, ATestNetFusesInPlaceReluIntoTheLayerBefore) {
  NetBuilder b("fusing");
  b.default_fillers(Filler::gaussian(0.3), Filler::gaussian(0.1));
  auto x = b.input("data", Shape{2, 3, 8, 8});
  x = b.conv("conv1", x, Conv(8, 3).pad(1));
  b.add("relu1", std::make_shared<ReluOp>(ReluParams{.negative_slope = 0.1}), {x}, {x});
  const auto branch = b.conv("conv2", x, Conv(8, 1));
  const auto side = b.fc("side", branch, Fc(4));  // reads conv2 before relu2: not in place
  b.relu("relu2", branch);
  auto y = b.fc("fc1", b.concat("joined", {x, branch}), Fc(16));
  y = b.relu("relu3", y);
  b.fc("fc2", y, Fc(5));
  const NetSpec spec = b.build();

  Net train(spec, {.phase = Phase::kTrain});
  train.init_params(4);
  fill_uniform(train.input("data"), 9);
  train.forward();
  const auto fused_layers = [&](const Net& net) {
    std::map<std::string, bool> result;
    for (int i = 0; i < net.num_layers(); ++i)
      if (net.layer_spec(i).op->relu_slope()) result[net.layer_spec(i).name] = net.layer_fused(i);
    return result;
  };
  EXPECT_EQ(fused_layers(train), (std::map<std::string, bool>{
                                     {"relu1", false}, {"relu2", false}, {"relu3", false}}));

  for (const std::vector<std::string>& keep : {std::vector<std::string>{},
                                               std::vector<std::string>{"fc1"}}) {
    Net test(spec, {.phase = Phase::kTest, .keep_blobs = keep});
    test.share_params_from(train);
    test.input("data").copy_from(train.input("data"));
    test.forward();
    EXPECT_EQ(fused_layers(test), (std::map<std::string, bool>{
                                      {"relu1", true}, {"relu2", false}, {"relu3", keep.empty()}}));
    EXPECT_LE(max_relative_error(train.blob("fc2"), test.blob("fc2")), 1e-6);
    EXPECT_LE(max_relative_error(train.blob("side"), test.blob("side")), 1e-6);
  }
}

TEST(Net, CycleIsAClearError) {
  NetBuilder b("cyclic");
  b.input("data", Shape{1, 2});
  b.add("a", std::make_shared<ReluOp>(ReluParams{}), {"c_out"}, {"a_out"});
  b.add("c", std::make_shared<ReluOp>(ReluParams{}), {"a_out"}, {"c_out"});
  SVERTKA_EXPECT_THROW_WITH(Net(b.build()), ShapeError, "cycle", "'a'");
}

TEST(Net, UnknownBottomAndWrongInputShapeAreClearErrors) {
  NetBuilder b("typo");
  b.input("data", Shape{1, 2});
  b.relu("r", "dta");
  SVERTKA_EXPECT_THROW_WITH(Net(b.build()), ShapeError, "'dta'", "layer 'r'");
  // VGG-16 on a 3-D input: conv1_1 names itself and the shape.
  NetSpec vgg = build_model("vgg16", {});
  vgg.inputs[0].shape = Shape{3, 224, 224};
  SVERTKA_EXPECT_THROW_WITH(describe_layers(vgg, Phase::kTest), ShapeError, "conv1_1",
                            "(3,224,224)");
}

TEST(Net, FrozenLayersGetNoGradient) {
  NetSpec spec = build_model("lenet", {.num_classes = 10, .channels = 1, .batch = 2});
  for (auto& layer : spec.layers)
    if (layer.name == "conv1")
      for (auto& p : layer.params) p.lr_mult = 0;
  Net net(spec, {.phase = Phase::kTrain});
  net.init_params(1);
  fill_uniform(net.input("data"), 2);
  net.forward();
  net.backward();
  double frozen = 0, trained = 0;
  for (int64_t i = 0; i < net.param("conv1.weight").grad.numel(); ++i)
    frozen += std::abs(net.param("conv1.weight").grad[i]);
  for (int64_t i = 0; i < net.param("conv2.weight").grad.numel(); ++i)
    trained += std::abs(net.param("conv2.weight").grad[i]);
  EXPECT_EQ(frozen, 0.0);
  EXPECT_GT(trained, 0.0);
}

}  // namespace
}  // namespace svertka::testing
