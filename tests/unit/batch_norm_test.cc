#include "svertka/ops/batch_norm.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "caffe.pb.h"
#include "onnx.pb.h"
#include "op_test_helpers.h"
#include "svertka/builder.h"
#include "svertka/io/caffe.h"
#include "svertka/io/onnx.h"
#include "svertka/net.h"
#include "svertka/solver/sgd.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

BatchNormOp batch_norm(double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       std::optional<bool> use_global_stats = std::nullopt) {
  return BatchNormOp({eps, momentum, use_global_stats, affine});
}

std::string temp_path(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("svertka_bn_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

Tensor values(const Shape& shape, const std::vector<float>& v) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = v.at(size_t(i));
  return t;
}

TEST(BatchNorm, HandComputedTrainAndTestStatistics) {
  // Channel 0 holds 1, 3 (mean 2, var 1), channel 1 holds 2, 6 (mean 4, var 4); eps = 0.
  // TRAIN: y = (x - mean) / sqrt(var) * w + b; running stats move 10% of the way to the batch's,
  // the variance taken unbiased (M = 2: var * 2).
  const Tensor x = values(Shape{2, 2}, {1, 2, 3, 6});
  const Tensor w = values(Shape{2}, {2, 1}), b = values(Shape{2}, {0, 10});
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    Tensor mean = values(Shape{2}, {0, 0}), var = values(Shape{2}, {1, 1}), y(x.shape());
    auto kernel = KernelRegistry::instance().make(batch_norm(1e-12), backend, {x.shape()});
    ForwardArgs<float> args{{&x}, {&w, &b, &mean, &var}, {&y}, Phase::kTrain};
    args.state = {&mean, &var};
    kernel->forward(args);
    const float expected[] = {-2, 9, 2, 11};
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], expected[i], 1e-5) << i;
    EXPECT_NEAR(mean[0], 0.2, 1e-6);
    EXPECT_NEAR(mean[1], 0.4, 1e-6);
    EXPECT_NEAR(var[0], 0.9 + 0.1 * 2, 1e-6);
    EXPECT_NEAR(var[1], 0.9 + 0.1 * 8, 1e-6);
    // TEST normalises with the running statistics and leaves them alone.
    kernel->forward({{&x}, {&w, &b, &mean, &var}, {&y}, Phase::kTest});
    EXPECT_NEAR(y[0], (1 - 0.2) / std::sqrt(1.1) * 2, 1e-5);
    EXPECT_NEAR(y[3], (6 - 0.4) / std::sqrt(1.7) + 10, 1e-5);
    EXPECT_NEAR(mean[0], 0.2, 1e-6);
  }
}

TEST(BatchNorm, GradientCheck) {
  const std::pair<BatchNormOp, Shape> cases[] = {
      {batch_norm(), Shape{2, 3, 3, 3}},
      {batch_norm(1e-3, 0.1, false), Shape{4, 3}},             // BatchNorm1d, no affine
      {batch_norm(1e-3, 0.5, true, true), Shape{3, 2, 2, 2}},  // frozen statistics in TRAIN
      {batch_norm(1e-2, 0.1, true, false), Shape{2, 4, 5}},    // batch statistics in TEST
  };
  uint64_t seed = 1;
  for (const auto& [op, x] : cases) {
    SCOPED_TRACE(x.str());
    for (Phase phase : {Phase::kTrain, Phase::kTest}) {
      GradientCheckOptions options;
      options.phase = phase;
      expect_gradients_ok(op, {random_tensor<double>(x, seed)}, seed + 100, options);
    }
    ++seed;
  }
}

TEST(BatchNorm, ReferenceVsDnnl) {
  for (Phase phase : {Phase::kTrain, Phase::kTest}) {
    BackendCompareOptions options;
    options.phase = phase;
    expect_backends_agree(batch_norm(), {Shape{2, 16, 5, 5}}, 1, options);
    expect_backends_agree(batch_norm(1e-3, 0.3, false), {Shape{8, 10}}, 2, options);
    expect_backends_agree(batch_norm(1e-5, 0.1, true, true), {Shape{3, 32, 4, 3}}, 3, options);
    expect_backends_agree(batch_norm(), {Shape{4, 7, 9}}, 4, options);
  }
}

// conv -> BatchNorm -> ReLU -> pool -> fc -> loss: on oneDNN the normalised activations stay
// channel-blocked, and a training step matches the reference backend blob by blob.
NetSpec conv_bn_net() {
  NetBuilder b("conv_bn");
  b.default_fillers(Filler::gaussian(0.3), Filler::constant(0.1));
  auto x = b.input("data", Shape{4, 3, 8, 8});
  b.input("label", Shape{4});
  x = b.conv("conv", x, Conv(16, 3).pad(1).no_bias());  // batch statistics cancel a bias
  x = b.add("bn", std::make_shared<BatchNormOp>(batch_norm()), {x}, {"bn"});
  x = b.relu("relu", x);
  x = b.pool("pool", x, Pool::max(2, 2));
  b.softmax_loss("loss", b.fc("fc", x, Fc(5)), "label");
  return b.build();
}

TEST(BatchNorm, TrainsInANetAsOnTheReferenceBackend) {
  const NetSpec spec = conv_bn_net();
  const std::vector<std::string> blobs{"conv", "bn", "pool"};
  Net dnnl(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuDnnl, .keep_blobs = blobs});
  Net ref(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuRef, .keep_blobs = blobs});
  if (channel_block(Backend::kCpuDnnl) > 0 && 16 % channel_block(Backend::kCpuDnnl) == 0) {
    EXPECT_EQ(dnnl.blob_layout("bn"), BlobLayout::kChannelBlocked);
  }
  dnnl.init_params(3);
  ref.init_params(3);
  fill_uniform(dnnl.input("data"), 4);
  ref.input("data").copy_from(dnnl.input("data"));
  for (int i = 0; i < 4; ++i) dnnl.input("label")[i] = ref.input("label")[i] = float(i);
  EXPECT_NEAR(dnnl.forward(), ref.forward(), 1e-4);
  dnnl.backward();
  ref.backward();
  for (const std::string& name : blobs) {
    EXPECT_LE(max_relative_error(dnnl.blob(name), ref.blob(name)), 1e-4) << name;
    EXPECT_LE(max_relative_error(dnnl.blob_grad(name), ref.blob_grad(name)), 1e-3) << name;
  }
  for (size_t k = 0; k < ref.params().size(); ++k) {
    SCOPED_TRACE(ref.params()[k].name);
    EXPECT_LE(max_relative_error(dnnl.params()[k].value, ref.params()[k].value), 1e-5);
    EXPECT_LE(max_relative_error(dnnl.params()[k].grad, ref.params()[k].grad), 1e-3);
  }
}

// The running statistics are state: named as in PyTorch, updated by the TRAIN forward alone,
// never by the solver (no learning rate, no weight decay), while weight and bias learn.
TEST(BatchNorm, RunningStatisticsAreStateTheSolverLeavesAlone) {
  Net net(conv_bn_net(), {.phase = Phase::kTrain, .backend = Backend::kCpuRef});
  net.init_params(5);
  Parameter& mean = net.param("bn.running_mean");
  Parameter& var = net.param("bn.running_var");
  EXPECT_EQ(mean.spec.lr_mult, 0);
  EXPECT_EQ(var.spec.decay_mult, 0);
  EXPECT_EQ(net.param("bn.weight").value[0], 1);  // default fillers: weight 1, running_var 1
  EXPECT_EQ(var.value[0], 1);
  fill_uniform(net.input("data"), 6);
  net.forward();
  const Tensor after_forward = mean.value.clone();
  EXPECT_NE(after_forward[0], 0);  // moved towards the batch mean
  net.backward();
  const Tensor weight_before = net.param("bn.weight").value.clone();
  SgdSolver solver(net.params(), {.momentum = 0.9, .weight_decay = 0.1});
  solver.step(0.5);
  for (int64_t c = 0; c < mean.value.numel(); ++c) EXPECT_EQ(mean.value[c], after_forward[c]);
  EXPECT_GT(max_relative_error(net.param("bn.weight").value, weight_before), 0);
}

// Caffe's BatchNorm keeps mean and variance summed with weights and the sum of the weights as a
// third blob; the Scale layer after it holds weight and bias.
TEST(BatchNorm, CaffeBatchNormAndScaleLoadAsOneOp) {
  const std::string proto = temp_path("bn.prototxt");
  std::ofstream(proto) << R"(
input: "data" input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
layer { name: "bn1" type: "BatchNorm" bottom: "data" top: "data"
  param { lr_mult: 0 } param { lr_mult: 0 } param { lr_mult: 0 }
  batch_norm_param { moving_average_fraction: 0.9 eps: 0.001 } }
layer { name: "scale1" type: "Scale" bottom: "data" top: "data"
  param { lr_mult: 1 decay_mult: 0 } scale_param { bias_term: true } }
layer { name: "bn2" type: "BatchNorm" bottom: "data" top: "out" }
)";
  const ImportedModel model = load_caffe_net(proto);
  ASSERT_EQ(model.spec.layers.size(), 2u);
  const auto& bn1 = dynamic_cast<const BatchNormOp&>(*model.spec.layers[0].op);
  EXPECT_TRUE(bn1.params().affine);
  EXPECT_EQ(bn1.params().eps, 1e-3);
  EXPECT_NEAR(bn1.params().momentum, 0.1, 1e-12);
  EXPECT_EQ(model.spec.layers[0].tops, std::vector<std::string>{"data"});
  EXPECT_EQ(model.spec.layers[0].params.at(0).decay_mult, 0);
  EXPECT_FALSE(dynamic_cast<const BatchNormOp&>(*model.spec.layers[1].op).params().affine);

  caffe::NetParameter weights;
  auto blob = [](caffe::LayerParameter* layer, std::vector<float> v) {
    caffe::BlobProto* b = layer->add_blobs();
    b->mutable_shape()->add_dim(int64_t(v.size()));
    for (float f : v) b->add_data(f);
  };
  caffe::LayerParameter* bn = weights.add_layer();
  bn->set_name("bn1"), bn->set_type("BatchNorm");
  blob(bn, {5, 10}), blob(bn, {20, 40}), blob(bn, {5});
  caffe::LayerParameter* scale = weights.add_layer();
  scale->set_name("scale1"), scale->set_type("Scale");
  blob(scale, {2, 3}), blob(scale, {-1, 1});
  caffe::LayerParameter* bn2 = weights.add_layer();
  bn2->set_name("bn2"), bn2->set_type("BatchNorm");
  blob(bn2, {0, 0}), blob(bn2, {0, 0}), blob(bn2, {0});  // never updated: statistics 0
  const std::string caffemodel = temp_path("bn.caffemodel");
  std::ofstream(caffemodel, std::ios::binary) << weights.SerializeAsString();
  std::map<std::string, Tensor> loaded;
  for (const NamedTensor& w : load_caffemodel(caffemodel, model.spec)) loaded[w.name] = w.tensor;
  EXPECT_EQ(loaded.at("bn1.running_mean")[1], 2);  // 10 / 5
  EXPECT_EQ(loaded.at("bn1.running_var")[0], 4);   // 20 / 5
  EXPECT_EQ(loaded.at("bn1.weight")[1], 3);
  EXPECT_EQ(loaded.at("bn1.bias")[0], -1);
  EXPECT_EQ(loaded.at("bn2.running_var")[1], 0);

  // Written back: BatchNorm (factor 1) + Scale, which read back as the same op and weights.
  std::vector<NamedTensor> named;
  for (const auto& [name, t] : loaded) named.push_back({name, t});
  const std::string out = temp_path("bn_out.prototxt");
  save_caffe(model.spec, named, out, temp_path("bn_out.caffemodel"));
  caffe::NetParameter written;
  std::ifstream text(out);
  const std::string contents((std::istreambuf_iterator<char>(text)), {});
  EXPECT_NE(contents.find("type: \"Scale\""), std::string::npos) << contents;
  for (const NamedTensor& w : load_caffemodel(temp_path("bn_out.caffemodel"), model.spec))
    EXPECT_EQ(max_relative_error(w.tensor, loaded.at(w.name)), 0) << w.name;
}

TEST(BatchNorm, CaffeErrorsNameTheLayer) {
  const std::string proto = temp_path("bad_bn.prototxt");
  std::ofstream(proto) << R"(
input: "data" input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
layer { name: "bn1" type: "BatchNorm" bottom: "data" top: "data" param { lr_mult: 1 } }
)";
  SVERTKA_EXPECT_THROW_WITH(load_caffe_net(proto), IoError, "'bn1'", "lr_mult must be 0");
  std::ofstream(proto, std::ios::trunc) << R"(
input: "data" input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
layer { name: "scale1" type: "Scale" bottom: "data" top: "data" }
)";
  SVERTKA_EXPECT_THROW_WITH(load_caffe_net(proto), IoError, "'scale1'", "unsupported layer type");
}

TEST(BatchNorm, OnnxBatchNormalizationImports) {
  onnx::ModelProto model;
  model.add_opset_import()->set_version(11);
  onnx::GraphProto& g = *model.mutable_graph();
  auto* input = g.add_input();
  input->set_name("x");
  auto* type = input->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {1, 2, 1, 2}) type->mutable_shape()->add_dim()->set_dim_value(d);
  for (const char* name : {"scale", "b", "mean", "var"}) {
    onnx::TensorProto* t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(2);
    const bool var = std::string(name) == "var";
    t->add_float_data(var ? 4 : 1), t->add_float_data(var ? 16 : 2);
  }
  onnx::NodeProto* n = g.add_node();
  n->set_op_type("BatchNormalization");
  n->set_name("bn");
  for (const char* name : {"x", "scale", "b", "mean", "var"}) n->add_input(name);
  n->add_output("y");
  onnx::AttributeProto* eps = n->add_attribute();
  eps->set_name("epsilon"), eps->set_type(onnx::AttributeProto::FLOAT), eps->set_f(0.5f);
  onnx::AttributeProto* momentum = n->add_attribute();
  momentum->set_name("momentum"), momentum->set_type(onnx::AttributeProto::FLOAT);
  momentum->set_f(0.8f);
  const std::string path = temp_path("bn.onnx");
  std::ofstream(path, std::ios::binary) << model.SerializeAsString();
  const ImportedModel m = load_onnx(path);
  ASSERT_EQ(m.spec.layers.size(), 1u);
  const auto& op = dynamic_cast<const BatchNormOp&>(*m.spec.layers[0].op);
  EXPECT_EQ(op.params().eps, 0.5);
  EXPECT_NEAR(op.params().momentum, 0.2, 1e-12);  // ONNX weighs the running statistics instead
  ASSERT_EQ(m.weights.size(), 4u);
  EXPECT_EQ(m.weights[2].name, "bn.running_mean");
  Net net(m.spec, {.phase = Phase::kTest, .backend = Backend::kCpuRef, .keep_blobs = {"y"}});
  for (Parameter& p : net.params())
    for (const NamedTensor& w : m.weights)
      if (w.name == p.name) p.value.copy_from(w.tensor);
  net.input("x").copy_from(values(Shape{1, 2, 1, 2}, {3, 5, 6, 10}));
  net.forward();
  // Channel 0: (x - 1) / sqrt(4.5) * 1 + 1; channel 1: (x - 2) / sqrt(16.5) * 2 + 2.
  EXPECT_NEAR(net.blob("y")[1], 4 / std::sqrt(4.5) + 1, 1e-5);
  EXPECT_NEAR(net.blob("y")[2], 4 / std::sqrt(16.5) * 2 + 2, 1e-5);
}

TEST(BatchNorm, BadParametersNameTheOpAndValues) {
  BatchNormOp op = batch_norm(0);
  op.set_name("bn1");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 3}}), ParamError, "BatchNorm 'bn1'", "eps",
                            "got 0");
  SVERTKA_EXPECT_THROW_WITH(batch_norm(1e-5, 1.5).output_shapes({Shape{2, 3}}), ParamError,
                            "momentum", "1.5");
  SVERTKA_EXPECT_THROW_WITH(batch_norm(1e-5, std::nan("")).output_shapes({Shape{2, 3}}), ParamError,
                            "momentum", "nan");
  SVERTKA_EXPECT_THROW_WITH(batch_norm().output_shapes({Shape{6}}), ShapeError, "BatchNorm",
                            "(N,C,...)", "(6)");
}

}  // namespace
}  // namespace svertka::testing
