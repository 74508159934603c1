// ONNX interop: export/import round trips, hand-built graphs with asymmetric pads, the ONNX model
// zoo's light models in ../shared/data/onnx-light, and torchvision exports from
// tools/onnx_golden.py (each skipped with a message when its files are absent).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "onnx.pb.h"
#include "svertka/error.h"
#include "svertka/io/onnx.h"
#include "svertka/net.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("svertka_onnx_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string shared_data() {
  if (const char* dir = std::getenv("SVERTKA_SHARED_DATA")) return dir;
  return std::string(SVERTKA_SOURCE_DIR) + "/../shared/data";
}

// Forward in TEST phase on cpu_dnnl with `weights` and input `x` (or a fixed pattern).
Tensor run(const NetSpec& spec, const std::vector<NamedTensor>& weights, const std::string& blob,
           const Tensor* x = nullptr, Backend backend = Backend::kCpuRef) {
  Net net(spec, {.phase = Phase::kTest, .backend = backend, .keep_blobs = {blob}});
  for (Parameter& p : net.params())
    for (const NamedTensor& w : weights)
      if (w.name == p.name) p.value.copy_from(w.tensor);
  Tensor& in = net.input(spec.inputs.at(0).name);
  if (x) {
    in.copy_from(*x);
  } else {
    for (int64_t i = 0; i < in.numel(); ++i) in[i] = float((i * 7919) % 1000) / 1000.0f - 0.5f;
  }
  for (const InputSpec& input : spec.inputs)
    if (input.name == "label") net.input("label").zero();
  net.forward();
  return net.blob(blob).clone();
}

TEST(OnnxRoundTrip, ZooModelsAreBitwiseExact) {
  const std::pair<std::string, ModelOptions> models[] = {
      {"alexnet_small", {.num_classes = 10, .channels = 1, .height = 28, .width = 28, .batch = 2}},
      {"googlenet",
       {.num_classes = 10, .height = 96, .width = 96, .batch = 1, .width_divisor = 16}},
  };
  for (const auto& [name, options] : models) {
    SCOPED_TRACE(name);
    const NetSpec spec = build_model(name, options);
    Net net(spec, {.phase = Phase::kTest, .backend = Backend::kCpuRef});
    net.init_params(11);
    std::vector<NamedTensor> weights;
    for (const Parameter& p : net.params()) weights.push_back({p.name, p.value});
    const std::string path = temp_path(name + ".onnx").string();
    save_onnx(spec, weights, path);
    const ImportedModel back = load_onnx(path, {.batch = options.batch});
    ASSERT_EQ(back.weights.size(), weights.size());
    for (size_t i = 0; i < weights.size(); ++i) {
      ASSERT_EQ(back.weights[i].name, weights[i].name);
      ASSERT_EQ(back.weights[i].tensor.shape(), weights[i].tensor.shape());
      EXPECT_EQ(std::memcmp(back.weights[i].tensor.data(), weights[i].tensor.data(),
                            weights[i].tensor.bytes()),
                0)
          << weights[i].name;
    }
    const std::string logits = model_info(name).logits;
    const Tensor a = run(spec, weights, logits), b = run(back.spec, back.weights, logits);
    ASSERT_EQ(a.shape(), b.shape());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.bytes()), 0);
  }
}

onnx::AttributeProto ints(const std::string& name, std::vector<int64_t> values) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a.add_ints(v);
  return a;
}
onnx::AttributeProto int_attr(const std::string& name, int64_t value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
  return a;
}

// A graph written with our own messages: ConstantOfShape weights, an asymmetric Conv, a ceil-mode
// AveragePool with end padding, Flatten, MatMul + Add and Softmax.
TEST(OnnxImport, HandBuiltGraphWithAsymmetricPadsAndConstants) {
  onnx::ModelProto model;
  model.set_ir_version(4);
  model.add_opset_import()->set_version(9);
  onnx::GraphProto& g = *model.mutable_graph();
  auto* input = g.add_input();
  input->set_name("x");
  auto* type = input->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  type->mutable_shape()->add_dim()->set_dim_param("N");
  for (int64_t d : {2, 7, 6}) type->mutable_shape()->add_dim()->set_dim_value(d);
  auto shape_tensor = [&](const std::string& name, std::vector<int64_t> dims) {
    onnx::TensorProto* t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(int64_t(dims.size()));
    for (int64_t d : dims) t->add_int64_data(d);
  };
  auto node = [&](const std::string& op, std::vector<std::string> in, std::string out) {
    onnx::NodeProto* n = g.add_node();
    n->set_op_type(op);
    n->set_name(op + "_" + out);
    for (const auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  };
  shape_tensor("w_shape", {3, 2, 3, 3});
  onnx::NodeProto* w = node("ConstantOfShape", {"w_shape"}, "w");
  onnx::AttributeProto value;
  value.set_name("value");
  value.mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  value.mutable_t()->add_dims(1);
  value.mutable_t()->add_float_data(0.5f);
  *w->add_attribute() = value;
  onnx::NodeProto* conv = node("Conv", {"x", "w"}, "c");
  *conv->add_attribute() = ints("pads", {1, 0, 0, 2});
  *conv->add_attribute() = ints("strides", {2, 1});
  onnx::NodeProto* pool = node("AveragePool", {"c"}, "p");
  *pool->add_attribute() = ints("kernel_shape", {2, 2});
  *pool->add_attribute() = ints("strides", {2, 2});
  *pool->add_attribute() = ints("pads", {0, 0, 1, 1});
  *pool->add_attribute() = int_attr("ceil_mode", 1);
  node("Flatten", {"p"}, "f");
  shape_tensor("m_shape", {18, 4});
  node("ConstantOfShape", {"m_shape"}, "m");
  node("MatMul", {"f", "m"}, "mm");
  onnx::TensorProto* bias = g.add_initializer();
  bias->set_name("bias");
  bias->set_data_type(onnx::TensorProto::FLOAT);
  bias->add_dims(4);
  for (int i = 0; i < 4; ++i) bias->add_float_data(float(i));
  node("Add", {"mm", "bias"}, "logits");
  node("Softmax", {"logits"}, "prob");
  const std::string path = temp_path("hand.onnx").string();
  std::ofstream(path, std::ios::binary) << model.SerializeAsString();

  const ImportedModel m = load_onnx(path, {.batch = 3});
  EXPECT_EQ(m.spec.inputs.at(0).shape, (Shape{3, 2, 7, 6}));
  const auto layers = describe_layers(m.spec, Phase::kTest);
  // Conv: (7+1+0-3)/2+1 = 3 rows, (6+0+2-3)/1+1 = 6 columns. Pool ceil: 2 x 3 (with end pad 1).
  EXPECT_EQ(layers.at(0).output_shapes[0], (Shape{3, 3, 3, 6}));
  EXPECT_EQ(layers.at(1).output_shapes[0], (Shape{3, 3, 2, 3}));
  EXPECT_EQ(layers.at(2).output_shapes[0], (Shape{3, 4}));
  EXPECT_EQ(m.logits, "logits");
  // With 0.5 weights the logits of each sample differ exactly by the bias.
  const Tensor logits = run(m.spec, m.weights, "logits");
  EXPECT_NEAR(logits[1] - logits[0], 1.0, 1e-4);

  // An op svertka lacks names the file, node and op.
  g.mutable_node(g.node_size() - 1)->set_op_type("Sigmoid");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << model.SerializeAsString();
  try {
    load_onnx(path);
    FAIL() << "no error";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("Sigmoid"), std::string::npos) << what;
  }
}

// Malformed nodes were std::out_of_range (pads.at(3)) or protobuf reads past the end: now each is
// an IoError naming the file, the node and what is wrong.
TEST(OnnxImport, MalformedNodesAreIoErrorsNamingTheNode) {
  struct Case {
    std::string what;
    std::function<void(onnx::GraphProto&)> add_nodes;
    std::vector<std::string> said;
  };
  auto node = [](onnx::GraphProto& g, const std::string& op, std::vector<std::string> in,
                 std::vector<std::string> out) {
    onnx::NodeProto* n = g.add_node();
    n->set_op_type(op);
    n->set_name(op + "_node");
    for (const auto& i : in) n->add_input(i);
    for (const auto& o : out) n->add_output(o);
    return n;
  };
  const Case cases[] = {
      {"conv pads with one value",
       [&](onnx::GraphProto& g) {
         *node(g, "Conv", {"x", "w"}, {"c"})->add_attribute() = ints("pads", {1});
       },
       {"node 'Conv_node' (Conv)", "pads has 1 value(s), expected 4"}},
      {"pool strides with one value",
       [&](onnx::GraphProto& g) {
         onnx::NodeProto* pool = node(g, "MaxPool", {"x"}, {"p"});
         *pool->add_attribute() = ints("kernel_shape", {2, 2});
         *pool->add_attribute() = ints("strides", {2});
       },
       {"node 'MaxPool_node' (MaxPool)", "strides has 1 value(s), expected 2"}},
      {"relu without an input",
       [&](onnx::GraphProto& g) { node(g, "Relu", {}, {"r"}); },
       {"node 'Relu_node' (Relu)", "0 input(s) and 1 output(s)"}},
      {"reshape without its shape",
       [&](onnx::GraphProto& g) { node(g, "Reshape", {"x"}, {"r"}); },
       {"node 'Reshape_node' (Reshape)", "1 input(s)"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    onnx::ModelProto model;
    model.set_ir_version(6);
    model.add_opset_import()->set_version(11);
    onnx::GraphProto& g = *model.mutable_graph();
    auto* type = g.add_input();
    type->set_name("x");
    auto* tensor = type->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {1, 2, 4, 4}) tensor->mutable_shape()->add_dim()->set_dim_value(d);
    onnx::TensorProto* w = g.add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {3, 2, 1, 1}) w->add_dims(d);
    for (int i = 0; i < 6; ++i) w->add_float_data(1);
    c.add_nodes(g);
    const std::string path = temp_path("malformed.onnx").string();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << model.SerializeAsString();
    try {
      load_onnx(path);
      ADD_FAILURE() << "no error";
    } catch (const IoError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      for (const std::string& part : c.said) EXPECT_NE(what.find(part), std::string::npos) << what;
    }
  }
}

TEST(OnnxLightModels, ReproduceTheirReferenceOutputs) {
  const std::string root = shared_data() + "/onnx-light";
  if (!fs::exists(root)) GTEST_SKIP() << root << " is absent (set SVERTKA_SHARED_DATA): skipped";
  const std::pair<const char*, int64_t> models[] = {{"bvlc_alexnet", 60965224},
                                                    {"zfnet512", 87250536},
                                                    {"vgg19", 143667240},
                                                    {"inception_v1", 6998552}};
  for (const auto& [name, params] : models) {
    SCOPED_TRACE(name);
    const ImportedModel m = load_onnx(root + "/light_" + name + ".onnx");
    int64_t count = 0;
    for (const NamedTensor& w : m.weights) count += w.tensor.numel();
    EXPECT_EQ(count, params);
    Tensor x(m.spec.inputs.at(0).shape);
    const int64_t n = x.numel();
    for (int64_t i = 0; i < n; ++i) x[i] = float(double(i) / double(n));
    const std::string output = m.spec.layers.back().tops.at(0);
    const Tensor y = run(m.spec, m.weights, output, &x, Backend::kCpuDnnl);
    onnx::TensorProto expected;
    std::ifstream in(root + "/light_" + name + "_output_0.pb", std::ios::binary);
    ASSERT_TRUE(expected.ParseFromIstream(&in));
    ASSERT_EQ(y.numel(), 1000);
    std::vector<float> e(1000);
    std::memcpy(e.data(), expected.raw_data().data(), 4000);
    double worst = 0;
    for (int i = 0; i < 1000; ++i) {
      EXPECT_LE(std::abs(y[i] - e[size_t(i)]), 1e-7 + 1e-3 * std::abs(e[size_t(i)])) << i;
      worst = std::max(worst, double(std::abs(y[i] - e[size_t(i)])));
    }
    std::printf("%s: max |svertka - reference| = %.3g\n", name, worst);
  }
}

// The models tools/onnx_golden.py exported, one name per line of its models.txt.
std::vector<std::string> golden_models(const std::string& dir) {
  std::ifstream in(dir + "/models.txt");
  std::vector<std::string> names;
  for (std::string name; std::getline(in, name);)
    if (!name.empty()) names.push_back(name);
  return names;
}

TEST(OnnxTorchvision, LogitsMatchPyTorch) {
  const char* env = std::getenv("SVERTKA_ONNX_GOLDEN_DIR");
  const std::string dir = env ? env : std::string(SVERTKA_SOURCE_DIR) + "/build/onnx-golden";
  const std::vector<std::string> models = golden_models(dir);
  if (models.empty())
    GTEST_SKIP() << dir << " has no fixtures: generate them with tools/onnx_golden.py --out " << dir
                 << " (or `make golden-onnx`)";
  for (const std::string& name : models) {
    SCOPED_TRACE(name);
    const ImportedModel m = load_onnx(dir + "/" + name + ".onnx");
    const SafetensorsContents io = load_safetensors(dir + "/" + name + "_io.safetensors");
    const Tensor y = run(m.spec, m.weights, m.logits, &io.at("input"), Backend::kCpuDnnl);
    const Tensor& expected = io.at("logits");
    ASSERT_EQ(y.numel(), expected.numel());
    double worst = 0, largest = 0;
    for (int64_t i = 0; i < y.numel(); ++i) {
      worst = std::max(worst, double(std::abs(y[i] - expected[i])));
      largest = std::max(largest, double(std::abs(expected[i])));
    }
    std::printf("%s: max |svertka - PyTorch| logits = %.3g (relative to max |logit| %.3g: %.3g)\n",
                name.c_str(), worst, largest, worst / std::max(largest, 1e-30));
    EXPECT_LE(worst, 1e-4);
  }
}

}  // namespace
}  // namespace svertka::testing
