// Caffe interop: prototxt/caffemodel import and export, solver files, and the real nets in
// ../shared/data/caffe (skipped with a message when that folder is absent).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "caffe.pb.h"
#include "op_test_helpers.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/localize/localizer.h"
#include "svertka/net.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  const fs::path dir = fs::temp_directory_path() / ("svertka_caffe_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string write(const std::string& name, const std::string& text) {
  const fs::path path = temp_dir() / name;
  std::ofstream(path) << text;
  return path.string();
}

std::string shared_data() {
  if (const char* dir = std::getenv("SVERTKA_SHARED_DATA")) return dir;
  return std::string(SVERTKA_SOURCE_DIR) + "/../shared/data";
}

int64_t param_count(const NetSpec& spec) {
  int64_t n = 0;
  for (const auto& [name, shape] : infer_param_shapes(spec)) n += shape.numel();
  return n;
}

// Forward in TEST phase with the given weights and a fixed input; returns `blob`.
Tensor run(const NetSpec& spec, const std::vector<NamedTensor>& weights, const std::string& blob) {
  Net net(spec, {.phase = Phase::kTest, .backend = Backend::kCpuRef, .keep_blobs = {blob}});
  for (Parameter& p : net.params())  // TEST nets lack the auxiliary heads' parameters
    for (const NamedTensor& w : weights)
      if (w.name == p.name) p.value.copy_from(w.tensor);
  Tensor& x = net.input("data");
  for (int64_t i = 0; i < x.numel(); ++i) x[i] = float((i * 7919) % 1000) / 1000.0f - 0.5f;
  if (net.has_blob("label")) net.input("label").zero();
  net.forward();
  return net.blob(blob).clone();
}

std::vector<NamedTensor> weights_of(Net& net) {
  std::vector<NamedTensor> weights;
  for (const Parameter& p : net.params()) weights.push_back({p.name, p.value});
  return weights;
}

TEST(CaffeImport, LegacyV1LayersInputDimAndPhaseRules) {
  const std::string path = write("legacy.prototxt", R"(
name: "legacy"
input: "data"
input_dim: 2 input_dim: 3 input_dim: 12 input_dim: 12
layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1"
  blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
  convolution_param { num_output: 4 kernel_size: 3 stride: 1 pad: 1
    weight_filler { type: "gaussian" std: 0.01 } } }
layers { name: "relu1" type: RELU bottom: "conv1" top: "conv1" }
layers { name: "pool1" type: POOLING bottom: "conv1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layers { name: "drop" type: DROPOUT bottom: "pool1" top: "pool1"
  include { phase: TRAIN } dropout_param { dropout_ratio: 0.3 } }
layers { name: "fc" type: INNER_PRODUCT bottom: "pool1" top: "fc"
  inner_product_param { num_output: 5 } }
layers { name: "prob" type: SOFTMAX bottom: "fc" top: "prob" exclude { phase: TRAIN } }
)");
  const ImportedModel model = load_caffe_net(path);
  ASSERT_EQ(model.spec.inputs.size(), 1u);
  EXPECT_EQ(model.spec.inputs[0].shape, (Shape{2, 3, 12, 12}));
  ASSERT_EQ(model.spec.layers.size(), 6u);
  EXPECT_EQ(model.spec.layers[0].params.at(1).lr_mult, 2);
  EXPECT_EQ(model.spec.layers[0].params.at(1).decay_mult, 0);
  EXPECT_EQ(model.spec.layers[3].only_in, Phase::kTrain);
  EXPECT_EQ(model.spec.layers[5].only_in, Phase::kTest);
  EXPECT_EQ(model.logits, "fc");
  // 12 -> pool 3/2 ceil -> 6: fc sees 4*6*6.
  const auto shapes = infer_param_shapes(model.spec);
  EXPECT_EQ(shapes.at("fc.weight"), (Shape{5, 144}));
}

TEST(CaffeImport, DummyDataAndInputShapeInputs) {
  const std::string path = write("dummy.prototxt", R"(
name: "dummy"
layer { name: "data" type: "DummyData" top: "data" top: "label"
  dummy_data_param { shape { dim: 4 dim: 3 dim: 8 dim: 8 } shape { dim: 4 }
                     data_filler { type: "constant" value: 0.01 } } }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 3 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" loss_weight: 0.5 }
)");
  const ImportedModel model = load_caffe_net(path);
  ASSERT_EQ(model.spec.inputs.size(), 2u);
  EXPECT_EQ(model.spec.inputs[0].shape, (Shape{4, 3, 8, 8}));
  EXPECT_EQ(model.spec.inputs[1].shape, (Shape{4}));
  EXPECT_EQ(model.spec.layers.at(1).loss_weight, 0.5f);
  EXPECT_EQ(model.logits, "fc");
}

TEST(CaffeImport, UnsupportedTypeOrFieldNamesLayerTypeAndFile) {
  const std::string bad_type = write("bad_type.prototxt", R"(
input: "data" input_shape { dim: 1 dim: 3 dim: 4 dim: 4 }
layer { name: "py1" type: "Python" bottom: "data" top: "py1" }
)");
  try {
    load_caffe_net(bad_type);
    FAIL() << "no error";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(bad_type), std::string::npos) << what;
    EXPECT_NE(what.find("'py1'"), std::string::npos) << what;
    EXPECT_NE(what.find("Python"), std::string::npos) << what;
  }
  const std::string bad_field = write("bad_field.prototxt", R"(
input: "data" input_shape { dim: 1 dim: 3 dim: 4 dim: 4 }
layer {
  name: "conv1"
  type: "Convolution"
  bottom: "data" top: "conv1"
  convolution_param { num_output: 2 kernel_size: 3 bias_filler_typo: 1 }
}
)");
  try {
    load_caffe_net(bad_field);
    FAIL() << "no error";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(bad_field), std::string::npos) << what;
    EXPECT_NE(what.find("conv1"), std::string::npos) << what;
    EXPECT_NE(what.find("bias_filler_typo"), std::string::npos) << what;
  }
  const std::string dilated = write("dilated.prototxt", R"(
input: "data" input_shape { dim: 1 dim: 3 dim: 9 dim: 9 }
layer { name: "c" type: "Convolution" bottom: "data" top: "c"
        convolution_param { num_output: 2 kernel_size: 3 dilation: 2 } }
)");
  EXPECT_THROW(load_caffe_net(dilated), IoError);
}

TEST(CaffeModel, LegacyFourDimensionalBlobsLoad) {
  const std::string proto = write("fc.prototxt", R"(
input: "data" input_shape { dim: 1 dim: 2 dim: 2 dim: 2 }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 3 } }
)");
  caffe::NetParameter weights;
  caffe::V1LayerParameter* layer = weights.add_layers();  // legacy layers, legacy blobs
  layer->set_name("fc");
  layer->set_type(caffe::V1LayerParameter::INNER_PRODUCT);
  caffe::BlobProto* w = layer->add_blobs();
  w->set_num(1), w->set_channels(1), w->set_height(3), w->set_width(8);
  for (int i = 0; i < 24; ++i) w->add_data(float(i));
  caffe::BlobProto* b = layer->add_blobs();
  b->set_num(1), b->set_channels(1), b->set_height(1), b->set_width(3);
  for (int i = 0; i < 3; ++i) b->add_data(float(100 + i));
  const std::string model_path = (temp_dir() / "fc.caffemodel").string();
  std::ofstream(model_path, std::ios::binary) << weights.SerializeAsString();

  const ImportedModel model = load_caffe_net(proto);
  const std::vector<NamedTensor> loaded = load_caffemodel(model_path, model.spec);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].tensor.shape(), (Shape{3, 8}));
  EXPECT_EQ(loaded[0].tensor[9], 9.0f);
  EXPECT_EQ(loaded[1].tensor.shape(), (Shape{3}));
  EXPECT_EQ(loaded[1].tensor[2], 102.0f);

  // A blob of the wrong size names the file and the layer.
  w->mutable_data()->RemoveLast();
  std::ofstream(model_path, std::ios::binary | std::ios::trunc) << weights.SerializeAsString();
  try {
    load_caffemodel(model_path, model.spec);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("'fc'"), std::string::npos) << e.what();
  }
}

// svertka -> prototxt + caffemodel -> svertka: same structure, bitwise the same weights and logits.
void expect_round_trip(const std::string& name, const ModelOptions& options) {
  SCOPED_TRACE(name);
  const NetSpec spec = build_model(name, options);
  Net net(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuRef});
  net.init_params(7);
  const std::vector<NamedTensor> weights = weights_of(net);
  const std::string proto = (temp_dir() / (name + ".prototxt")).string();
  const std::string caffemodel = (temp_dir() / (name + ".caffemodel")).string();
  save_caffe(spec, weights, proto, caffemodel);

  const ImportedModel back = load_caffe_net(proto);
  ASSERT_EQ(back.spec.layers.size(), spec.layers.size());
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    EXPECT_EQ(back.spec.layers[i].name, spec.layers[i].name);
    EXPECT_EQ(back.spec.layers[i].op->type(), spec.layers[i].op->type());
    EXPECT_EQ(back.spec.layers[i].only_in, spec.layers[i].only_in);
  }
  const std::vector<NamedTensor> loaded = load_caffemodel(caffemodel, back.spec);
  ASSERT_EQ(loaded.size(), weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    EXPECT_EQ(loaded[i].name, weights[i].name);
    ASSERT_EQ(loaded[i].tensor.shape(), weights[i].tensor.shape());
    EXPECT_EQ(
        std::memcmp(loaded[i].tensor.data(), weights[i].tensor.data(), weights[i].tensor.bytes()),
        0)
        << weights[i].name;
  }
  const std::string logits = model_info(name).logits;
  const Tensor a = run(spec, weights, logits), b = run(back.spec, loaded, logits);
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.bytes()), 0);
}

TEST(CaffeRoundTrip, ZooModelsAreBitwiseExact) {
  expect_round_trip("alexnet_small",
                    {.num_classes = 10, .channels = 1, .height = 28, .width = 28, .batch = 2});
  expect_round_trip(
      "googlenet", {.num_classes = 10, .height = 96, .width = 96, .batch = 1, .width_divisor = 16});
}

// A localisation net: the classifier with add_box_head's box regression and its EuclideanLoss.
// It goes out to prototxt + caffemodel and comes back computing the same boxes and losses.
TEST(CaffeRoundTrip, LocalisationNetKeepsItsEuclideanLoss) {
  const ModelOptions options{
      .num_classes = 10, .channels = 1, .height = 28, .width = 28, .batch = 2};
  const NetSpec spec =
      add_box_head(build_model("alexnet_small", options), model_info("alexnet_small").logits, 10,
                   {.per_class = true, .loss_weight = 0.5f});
  Net net(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuRef});
  net.init_params(9);
  const std::vector<NamedTensor> weights = weights_of(net);
  const std::string proto = (temp_dir() / "localizer.prototxt").string();
  const std::string caffemodel = (temp_dir() / "localizer.caffemodel").string();
  save_caffe(spec, weights, proto, caffemodel);

  const ImportedModel back = load_caffe_net(proto);
  ASSERT_EQ(back.spec.layers.size(), spec.layers.size());
  EXPECT_EQ(back.spec.layers.back().op->type(), "EuclideanLoss");
  EXPECT_EQ(back.spec.layers.back().bottoms, (std::vector<std::string>{"bbox", "bbox_target"}));
  EXPECT_EQ(back.spec.layers.back().loss_weight, 0.5f);
  const std::vector<NamedTensor> loaded = load_caffemodel(caffemodel, back.spec);
  auto forward = [](const NetSpec& s, const std::vector<NamedTensor>& w) {
    Net n(s, {.phase = Phase::kTest, .backend = Backend::kCpuRef, .keep_blobs = {"bbox"}});
    for (Parameter& p : n.params())
      for (const NamedTensor& t : w)
        if (t.name == p.name) p.value.copy_from(t.tensor);
    Tensor& x = n.input("data");
    for (int64_t i = 0; i < x.numel(); ++i) x[i] = float((i * 7919) % 1000) / 1000.0f - 0.5f;
    n.input("label")[0] = 3, n.input("label")[1] = 7;
    Tensor& target = n.input("bbox_target");
    for (int64_t i = 0; i < target.numel(); ++i) target[i] = float(i % 5) / 5.0f;
    const float loss = n.forward();
    return std::make_pair(loss, n.blob("bbox").clone());
  };
  const auto [loss, boxes] = forward(spec, weights);
  const auto [loss_back, boxes_back] = forward(back.spec, loaded);
  EXPECT_GT(loss, 0);
  EXPECT_EQ(loss_back, loss);
  ASSERT_EQ(boxes_back.shape(), boxes.shape());
  EXPECT_EQ(std::memcmp(boxes_back.data(), boxes.data(), boxes.bytes()), 0);
}

TEST(CaffeImport, LegacyEuclideanLossWithItsLossWeight) {
  const std::string path = write("legacy_loss.prototxt", R"(
input: "a" input_dim: 2 input_dim: 3 input_dim: 1 input_dim: 1
input: "b" input_dim: 2 input_dim: 3 input_dim: 1 input_dim: 1
layers { name: "loss" type: EUCLIDEAN_LOSS bottom: "a" bottom: "b" top: "loss" loss_weight: 2 }
)");
  const ImportedModel model = load_caffe_net(path);
  ASSERT_EQ(model.spec.layers.size(), 1u);
  EXPECT_EQ(model.spec.layers[0].op->type(), "EuclideanLoss");
  EXPECT_EQ(model.spec.layers[0].loss_weight, 2.0f);
}

// BVLC's examples/mnist/lenet_solver.prototxt, as shipped (its comments included).
TEST(CaffeSolver, ReadsLeNetsInvPolicy) {
  write("lenet_train_test.prototxt",
        "input: \"data\" input_shape { dim: 1 dim: 1 dim: 28 dim: 28 }\n");
  const std::string path =
      write("lenet_solver.prototxt", R"(# The train/test net protocol buffer definition
net: "lenet_train_test.prototxt"
# test_iter specifies how many forward passes the test should carry out.
test_iter: 100
# Carry out testing every 500 training iterations.
test_interval: 500
# The base learning rate, momentum and the weight decay of the network.
base_lr: 0.01
momentum: 0.9
weight_decay: 0.0005
# The learning rate policy
lr_policy: "inv"
gamma: 0.0001
power: 0.75
# Display every 100 iterations
display: 100
# The maximum number of iterations
max_iter: 10000
# snapshot intermediate results
snapshot: 5000
snapshot_prefix: "examples/mnist/lenet"
# solver mode: CPU or GPU
solver_mode: GPU
)");
  const CaffeSolver s = load_caffe_solver(path);
  EXPECT_EQ(s.schedule.kind, LrScheduleOptions::Kind::kInv);
  const LrSchedule schedule(s.schedule);
  EXPECT_NEAR(schedule.lr(5000), 0.01 * std::pow(1 + 0.0001 * 5000, -0.75), 1e-9);
}

// The settings of BVLC's examples/mnist/lenet_solver_adam.prototxt, lenet_solver_rmsprop.prototxt
// and lenet_adadelta_solver.prototxt.
TEST(CaffeSolver, ReadsEverySolverTypeWithItsFields) {
  write("lenet.prototxt", "input: \"data\" input_shape { dim: 1 dim: 1 dim: 28 dim: 28 }\n");
  const CaffeSolver adam = load_caffe_solver(write("adam.prototxt", R"(net: "lenet.prototxt"
base_lr: 0.001 momentum: 0.9 momentum2: 0.999 delta: 1e-8 lr_policy: "fixed" max_iter: 10000
weight_decay: 0.0005 type: "Adam" solver_mode: GPU
)"));
  EXPECT_EQ(adam.sgd.type, SolverType::kAdam);
  EXPECT_FLOAT_EQ(float(adam.sgd.momentum2), 0.999f);
  EXPECT_FLOAT_EQ(float(adam.sgd.delta), 1e-8f);
  const CaffeSolver rmsprop = load_caffe_solver(write("rmsprop.prototxt", R"(net: "lenet.prototxt"
base_lr: 0.01 momentum: 0.0 weight_decay: 0.0005 lr_policy: "inv" gamma: 0.0001 power: 0.75
max_iter: 10000 type: "RMSProp" rms_decay: 0.98
)"));
  EXPECT_EQ(rmsprop.sgd.type, SolverType::kRmsProp);
  EXPECT_FLOAT_EQ(float(rmsprop.sgd.rms_decay), 0.98f);
  const CaffeSolver adadelta = load_caffe_solver(write("adadelta.prototxt", R"(net: "lenet.prototxt"
base_lr: 1.0 lr_policy: "fixed" momentum: 0.95 weight_decay: 0.0005 max_iter: 10000
solver_mode: GPU type: "AdaDelta" delta: 1e-6
)"));
  EXPECT_EQ(adadelta.sgd.type, SolverType::kAdaDelta);
  EXPECT_FLOAT_EQ(float(adadelta.sgd.delta), 1e-6f);
  const CaffeSolver old_enum = load_caffe_solver(write("enum.prototxt", R"(net: "lenet.prototxt"
base_lr: 0.01 solver_type: NESTEROV momentum: 0.9 max_iter: 10 regularization_type: "L1"
)"));
  EXPECT_EQ(old_enum.sgd.type, SolverType::kNesterov);
  EXPECT_EQ(old_enum.sgd.regularization, Regularization::kL1);
  SVERTKA_EXPECT_THROW_WITH(load_caffe_solver(write("lbfgs.prototxt", R"(net: "lenet.prototxt"
base_lr: 0.01 type: "LBFGS" max_iter: 10
)")),
                            IoError, "LBFGS");
}

TEST(CaffeSolver, SigmoidNeedsItsMidpointAndUnknownPoliciesAreNamed) {
  write("n.prototxt", "input: \"data\" input_shape { dim: 1 dim: 1 dim: 2 dim: 2 }\n");
  const std::string sigmoid = write("sigmoid.prototxt", R"(net: "n.prototxt"
base_lr: 0.1 lr_policy: "sigmoid" gamma: -0.001 max_iter: 100
)");
  SVERTKA_EXPECT_THROW_WITH(load_caffe_solver(sigmoid), IoError, "stepsize");
  const std::string with_midpoint = write("sigmoid2.prototxt", R"(net: "n.prototxt"
base_lr: 0.1 lr_policy: "sigmoid" gamma: -0.001 stepsize: 40 max_iter: 100
)");
  const CaffeSolver s = load_caffe_solver(with_midpoint);
  EXPECT_EQ(s.schedule.kind, LrScheduleOptions::Kind::kSigmoid);
  EXPECT_EQ(s.schedule.step_size, 40);
  const std::string unknown = write("cosine.prototxt", R"(net: "n.prototxt"
base_lr: 0.1 lr_policy: "cosine" max_iter: 100
)");
  SVERTKA_EXPECT_THROW_WITH(load_caffe_solver(unknown), IoError, "cosine");
}

// A net name the file system cannot even look up (longer than a file name may be) is kept as
// given for the net's loading to report, not a std::filesystem_error escaping (fuzz_prototxt).
TEST(CaffeSolver, ANetNameTooLongToLookUpIsKeptAsGiven) {
  const std::string name(5000, 'x');
  const std::string solver =
      write("long.prototxt", "net: \"" + name + "\"\nbase_lr: 0.1 max_iter: 100\n");
  EXPECT_EQ(load_caffe_solver(solver).net, name);
}

TEST(CaffeSolver, ReadsPolicyAndIntervals) {
  write("solver_net.prototxt", "input: \"data\" input_shape { dim: 1 dim: 1 dim: 2 dim: 2 }\n");
  const std::string path = write("solver.prototxt", R"(
net: "elsewhere/solver_net.prototxt"
test_iter: 10 test_interval: 50 base_lr: 0.02 lr_policy: "multistep" gamma: 0.5
stepvalue: 100 stepvalue: 200 momentum: 0.8 weight_decay: 0.001 max_iter: 300
snapshot: 150 snapshot_prefix: "x" solver_mode: CPU random_seed: 5
)");
  const CaffeSolver s = load_caffe_solver(path);
  EXPECT_EQ(s.net, (temp_dir() / "solver_net.prototxt").string());
  EXPECT_EQ(s.schedule.kind, LrScheduleOptions::Kind::kMultiStep);
  EXPECT_EQ(s.schedule.milestones, (std::vector<int64_t>{100, 200}));
  EXPECT_FLOAT_EQ(float(s.schedule.base_lr), 0.02f);
  EXPECT_FLOAT_EQ(float(s.sgd.momentum), 0.8f);
  EXPECT_EQ(s.max_iter, 300);
  EXPECT_EQ(s.snapshot, 150);
  EXPECT_EQ(s.test_interval, 50);
  EXPECT_EQ(s.random_seed, 5);
  const std::string bad =
      write("bad_solver.prototxt", "net: \"x\" base_lr: 0.1 lr_policy: \"sigmoid\" max_iter: 5\n");
  EXPECT_THROW(load_caffe_solver(bad), IoError);
}

// clip_gradients (per averaged gradient: divided by iter_size), average_loss,
// test_initialization and snapshot_after_train; a field svertka lacks names file, line and field.
TEST(CaffeSolver, ReadsClippingLossAveragingTestInitialisationAndFinalSnapshot) {
  write("clip_net.prototxt", "input: \"data\" input_shape { dim: 1 dim: 1 dim: 2 dim: 2 }\n");
  const CaffeSolver defaults = load_caffe_solver(
      write("defaults.prototxt", "net: \"clip_net.prototxt\" base_lr: 0.1 max_iter: 5\n"));
  EXPECT_LE(defaults.sgd.clip_gradients, 0);
  EXPECT_EQ(defaults.average_loss, 1);
  EXPECT_TRUE(defaults.test_initialization);
  EXPECT_TRUE(defaults.snapshot_after_train);
  const CaffeSolver s = load_caffe_solver(write("clip.prototxt", R"(net: "clip_net.prototxt"
base_lr: 0.1 max_iter: 5 iter_size: 2 clip_gradients: 10 average_loss: 20
test_initialization: false snapshot_after_train: false
)"));
  EXPECT_DOUBLE_EQ(s.sgd.clip_gradients, 5.0);
  EXPECT_EQ(s.average_loss, 20);
  EXPECT_FALSE(s.test_initialization);
  EXPECT_FALSE(s.snapshot_after_train);
  SVERTKA_EXPECT_THROW_WITH(load_caffe_solver(write("hdf5.prototxt", R"(net: "clip_net.prototxt"
base_lr: 0.1 max_iter: 5
snapshot_format: HDF5
)")),
                            IoError, "hdf5.prototxt:3");
}

struct RealNet {
  const char* file;
  int64_t params;
};

TEST(CaffeRealFiles, LoadWithTheirParameterCounts) {
  const std::string root = shared_data() + "/caffe";
  if (!fs::exists(root)) GTEST_SKIP() << root << " is absent (set SVERTKA_SHARED_DATA): skipped";
  const RealNet nets[] = {
      {"bvlc_alexnet/deploy.prototxt", 60965224},
      {"bvlc_alexnet/train_val.prototxt", 60965224},
      {"bvlc_reference_caffenet/deploy.prototxt", 60965224},
      {"bvlc_reference_caffenet/train_val.prototxt", 60965224},
      {"bvlc_googlenet/deploy.prototxt", 6998552},
      {"bvlc_googlenet/train_val.prototxt", 13378280},  // with both auxiliary heads
      {"vgg16/VGG_ILSVRC_16_layers_deploy.prototxt", 138357544},
      {"vgg19/VGG_ILSVRC_19_layers_deploy.prototxt", 143667240},
      {"vgg16/deploy.prototxt", 138357544},  // DummyData input
      {"vgg16/train_val.prototxt", 138357544},
      {"vgg19/train_val.prototxt", 143667240},
  };
  for (const RealNet& net : nets) {
    SCOPED_TRACE(net.file);
    const ImportedModel model = load_caffe_net(root + "/" + net.file);
    EXPECT_EQ(param_count(model.spec), net.params);
  }
  // Layer shapes: GoogLeNet's ceil-mode pools give 56 -> 28 -> 14 -> 7 and a 1024-wide classifier.
  const ImportedModel googlenet = load_caffe_net(root + "/bvlc_googlenet/deploy.prototxt");
  const auto layers = describe_layers(googlenet.spec, Phase::kTest);
  std::map<std::string, Shape> out;
  for (const LayerInfo& info : layers) out[info.name] = info.output_shapes.at(0);
  EXPECT_EQ(out.at("pool1/3x3_s2"), (Shape{10, 64, 56, 56}));
  EXPECT_EQ(out.at("pool3/3x3_s2"), (Shape{10, 480, 14, 14}));
  EXPECT_EQ(out.at("inception_5b/output"), (Shape{10, 1024, 7, 7}));
  EXPECT_EQ(out.at("loss3/classifier"), (Shape{10, 1000}));
  const ImportedModel alexnet = load_caffe_net(root + "/bvlc_alexnet/deploy.prototxt");
  EXPECT_EQ(infer_param_shapes(alexnet.spec).at("conv2.weight"), (Shape{256, 48, 5, 5}));
  EXPECT_EQ(infer_param_shapes(alexnet.spec).at("fc6.weight"), (Shape{4096, 9216}));
}

}  // namespace
}  // namespace svertka::testing
