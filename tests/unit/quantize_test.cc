// Post-training int8 quantization (svertka/io/int8_model.h): calibration, the quantized file, the
// net that runs it with int8 kernels, `svertka quantize` then `svertka eval`, and quantized files
// with missing or garbage scales.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "commands.h"
#include "op_test_helpers.h"
#include "svertka/error.h"
#include "svertka/io/int8_model.h"
#include "svertka/io/model_loading.h"
#include "svertka/ops/inner_product.h"
#include "svertka/ops/pooling.h"
#include "svertka/solver/trainer.h"
#include "synthetic_idx.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

class QuantizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The process id too: ctest runs QuantizedNetComputesWhatTheFp32NetDoes twice at once (with
    // and without VNNI), and the two must not share a folder.
    dir_ = fs::temp_directory_path() /
           ("svertka_quantize_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_idx(dir_.string(), "train", synthetic_idx(256, 1));
    write_idx(dir_.string(), "t10k", synthetic_idx(64, 2));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // LeNet (the zoo's) with initialised weights, saved as fp32 safetensors: the model to quantize.
  ImportedModel lenet(int64_t batch) {
    IdxSplit data = load_idx_split(dir_.string(), SmallImageAugment{});
    ImportedModel model = load_model("lenet", "", {.model = model_options_for(*data.train, batch)});
    Net net(model.spec, {.phase = Phase::kTest});
    net.init_params(3);
    for (const Parameter& p : net.params()) model.weights.push_back({p.name, p.value});
    model.weights_source = "initialised";
    return model;
  }

  fs::path dir_;
};

// The logits of `model` on the first `batch` test images.
Tensor logits(const ImportedModel& model, const BatchSource& test, int64_t batch) {
  std::unique_ptr<Net> net = make_net(model, {.phase = Phase::kTest});
  std::vector<int64_t> indices(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) indices[size_t(i)] = i;
  Tensor labels(Shape{batch});
  test.fill(indices, false, 0, 0, net->input("data"), labels);
  net->input("label").copy_from(labels);
  net->forward();
  return net->blob(model.logits);
}

// Calibrate on the training images, quantize, write, read back: every convolution and inner
// product runs in int8 (but the one kept in fp32), and the logits stay within 5% of the largest
// fp32 logit: codes left undequantized or a wrong weight scale would move them by far more.
TEST_F(QuantizeTest, QuantizedNetComputesWhatTheFp32NetDoes) {
  const int64_t batch = 32;
  const ImportedModel fp32 = lenet(batch);
  IdxSplit data = load_idx_split(dir_.string(), SmallImageAugment{});
  ActivationRanges ranges(fp32.spec);
  {
    std::unique_ptr<Net> net =
        make_net(fp32, {.phase = Phase::kTest, .keep_blobs = ranges.blobs()});
    std::vector<int64_t> indices(static_cast<size_t>(batch));
    Tensor labels(Shape{batch});
    for (int64_t start = 0; start < 128; start += batch) {
      for (int64_t i = 0; i < batch; ++i) indices[size_t(i)] = start + i;
      data.train->fill(indices, false, 0, 0, net->input("data"), labels);
      net->input("label").copy_from(labels);
      net->forward();
      ranges.observe(*net);
    }
  }
  EXPECT_EQ(ranges.passes(), 4);
  EXPECT_LT(ranges.range("data").min, 0);  // the normalised image: s8
  const std::string path = file("q.safetensors");
  save_safetensors(path, quantize_model(fp32, ranges, {.keep_fp32 = {"ip2"}}));

  ImportedModel int8 = fp32;
  int8.weights = read_model_weights(path, int8.spec);
  EXPECT_EQ(int8_layers(int8.spec), (std::vector<std::string>{"conv1", "conv2", "ip1"}));
  const Tensor expected = logits(fp32, *data.test, batch);
  const Tensor actual = logits(int8, *data.test, batch);
  double largest = 0, worst = 0, any = 0;
  int agree = 0;
  for (int64_t i = 0; i < expected.numel(); ++i)
    largest = std::max(largest, double(std::fabs(expected[i])));
  for (int64_t i = 0; i < expected.numel(); ++i) {
    worst = std::max(worst, std::fabs(double(actual[i]) - expected[i]) / largest);
    any = std::max(any, std::fabs(double(actual[i]) - expected[i]));
  }
  for (int64_t n = 0; n < batch; ++n) {
    const float* e = expected.data() + n * 10;
    const float* a = actual.data() + n * 10;
    agree += std::max_element(e, e + 10) - e == std::max_element(a, a + 10) - a;
  }
  EXPECT_LT(worst, 0.05) << "largest logit " << largest;
  EXPECT_GT(any, 0) << "int8 gave fp32's logits exactly: not quantized";
  EXPECT_GE(agree, batch - 2) << "top-1 of int8 and fp32 agree on " << agree << " of " << batch;
}

// The CLI as main.cc registers it: quantize, then eval runs the file.
void run_cli(std::vector<std::string> args) {
  CLI::App app;
  cli::add_train_command(app);
  cli::add_quantize_command(app);
  cli::add_eval_command(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
}

TEST_F(QuantizeTest, QuantizeCommandWritesAFileEvalRuns) {
  const ImportedModel fp32 = lenet(1);
  save_safetensors(file("w.safetensors"), fp32.weights);
  run_cli({"quantize", "--model", "lenet", "--weights", file("w.safetensors"), "--calibrate", "100",
           "--check", "0", "--data", dir_.string(), "--out", file("q.safetensors")});
  const SafetensorsContents q = load_safetensors(file("q.safetensors"));
  EXPECT_EQ(q.metadata.at("svertka_int8"), "1");
  EXPECT_NE(q.metadata.at("calibration").find("over 100 training images drawn at random"),
            std::string::npos);
  for (const char* layer : {"conv1", "conv2", "ip1", "ip2"}) {
    SCOPED_TRACE(layer);
    const std::string name(layer);
    const auto weight = std::find_if(q.tensors.begin(), q.tensors.end(), [&](const NamedTensor& t) {
      return t.name == name + ".weight";
    });
    ASSERT_NE(weight, q.tensors.end());
    EXPECT_EQ(weight->stored, StoredType::kI8);
    EXPECT_TRUE(q.contains(name + ".weight_scale"));
    EXPECT_TRUE(q.contains(name + ".input_scale"));
    EXPECT_TRUE(q.contains(name + ".input_min"));
  }
  run_cli({"eval", "--model", "lenet", "--weights", file("q.safetensors"), "--data", dir_.string(),
           "--crops", "center"});
  SVERTKA_EXPECT_THROW_WITH(
      run_cli({"quantize", "--model", "lenet", "--weights", file("q.safetensors"), "--calibrate",
               "10", "--data", dir_.string(), "--out", file("qq.safetensors")}),
      ParamError, "quantized already");
  SVERTKA_EXPECT_THROW_WITH(
      run_cli({"quantize", "--model", "lenet", "--weights", file("w.safetensors"), "--calibrate",
               "10", "--data", dir_.string(), "--out", file("qq.safetensors"), "--keep-fp32",
               "pool1"}),
      ParamError, "'pool1'");
}

// LeNet trained on the synthetic images, then given a channel that int8 cannot carry: conv2's
// first channel gets a bias of 10^4 and ip1 no weight on it, so fp32 computes as before, but
// ip1's input step becomes 10^4 / 127 and every other channel rounds to 0 there. `svertka
// quantize` measures each layer's effect on top-1 and keeps ip1, and only ip1, in fp32.
TEST_F(QuantizeTest, TheAccuracyCheckKeepsALayerThatQuantizesBadlyInFp32) {
  run_cli({"train", "--model", "lenet", "--data", dir_.string(), "--epochs", "6", "--batch", "16",
           "--lr", "0.01", "--schedule", "fixed", "--out", file("run")});
  std::vector<NamedTensor> weights = load_safetensors(file("run/weights.safetensors")).tensors;
  for (NamedTensor& t : weights) {
    if (t.name == "conv2.bias") t.tensor[0] = 1e4f;
    if (t.name == "ip1.weight")  // (500, 800): pool2's channel 0 is inputs 0..15
      for (int64_t o = 0; o < t.tensor.dim(0); ++o)
        for (int64_t i = 0; i < 16; ++i) t.tensor[o * 800 + i] = 0;
  }
  save_safetensors(file("w.safetensors"), weights);
  ::testing::internal::CaptureStdout();
  run_cli({"quantize", "--model", "lenet", "--weights", file("w.safetensors"), "--calibrate", "100",
           "--max-loss", "2", "--data", dir_.string(), "--out", file("q.safetensors")});
  const std::string report = ::testing::internal::GetCapturedStdout();
  SCOPED_TRACE(report);
  EXPECT_NE(report.find("kept in fp32 by measured accuracy: ip1 ("), std::string::npos);
  const SafetensorsContents q = load_safetensors(file("q.safetensors"));
  EXPECT_EQ(q.metadata.at("kept_fp32"), "ip1");
  EXPECT_NE(q.metadata.at("accuracy_check").find("top-1 on 156 other training images"),
            std::string::npos);
  for (const NamedTensor& t : q.tensors) {
    if (t.name == "ip1.weight") {
      EXPECT_EQ(t.stored, StoredType::kF32);
    } else if (t.name == "conv1.weight" || t.name == "conv2.weight" || t.name == "ip2.weight") {
      EXPECT_EQ(t.stored, StoredType::kI8) << t.name;
    }
  }
  EXPECT_FALSE(q.contains("ip1.input_scale"));
  ::testing::internal::CaptureStdout();
  run_cli({"eval", "--model", "lenet", "--weights", file("q.safetensors"), "--data", dir_.string(),
           "--crops", "center"});
  EXPECT_NE(::testing::internal::GetCapturedStdout().find(
                "q.safetensors: int8 conv1, conv2, ip2; kept in fp32: ip1"),
            std::string::npos);
  // The check needs images the calibration did not take.
  SVERTKA_EXPECT_THROW_WITH(
      run_cli({"quantize", "--model", "lenet", "--weights", file("w.safetensors"), "--calibrate",
               "256", "--data", dir_.string(), "--out", file("qq.safetensors")}),
      ParamError, "none is left for the accuracy check");
}

// A quantized file whose int8 layer lacks a scale, or holds garbage in one: IoError naming the
// file, the layer and the tensor, before any net runs.
TEST_F(QuantizeTest, MissingOrGarbageScalesAreIoErrors) {
  const ImportedModel fp32 = lenet(1);
  ActivationRanges ranges(fp32.spec);
  {
    std::unique_ptr<Net> net =
        make_net(fp32, {.phase = Phase::kTest, .keep_blobs = ranges.blobs()});
    net->forward();
    ranges.observe(*net);
  }
  const std::vector<NamedTensor> good = quantize_model(fp32, ranges);
  const std::string path = file("bad.safetensors");
  auto expect_rejected = [&](std::vector<NamedTensor> tensors, const char* fragment) {
    SCOPED_TRACE(fragment);
    save_safetensors(path, tensors);
    NetSpec spec = fp32.spec;
    SVERTKA_EXPECT_THROW_WITH(read_model_weights(path, spec), IoError, path.c_str(), fragment);
  };
  auto without = [&](const std::string& name) {
    std::vector<NamedTensor> t = good;
    std::erase_if(t, [&](const NamedTensor& x) { return x.name == name; });
    return t;
  };
  auto with = [&](const std::string& name, float value, Shape shape = Shape{1}) {
    std::vector<NamedTensor> t = without(name);
    Tensor v(shape);
    for (int64_t i = 0; i < v.numel(); ++i) v[i] = value;
    t.push_back({name, v});
    return t;
  };
  expect_rejected(without("conv2.weight_scale"), "'conv2.weight_scale'");
  expect_rejected(without("ip1.input_scale"), "'ip1.input_scale'");
  expect_rejected(without("conv1.input_min"), "'conv1.input_min'");
  expect_rejected(with("ip1.input_scale", std::nanf("")), "'ip1.input_scale' holds nan");
  expect_rejected(with("conv1.input_scale", -0.5f), "must be finite and > 0");
  expect_rejected(with("conv2.weight_scale", 0.1f, Shape{3}), "has shape (3)");
  expect_rejected(with("conv2.weight_scale", 0.0f, Shape{50}), "must be finite and > 0");
  expect_rejected(with("pool1.input_scale", 0.1f), "'pool1'");
  expect_rejected(with("nosuch.weight_scale", 0.1f), "'nosuch.weight_scale'");
  // The codes stored as F32 beside scales: not a quantized weight.
  std::vector<NamedTensor> f32_codes = good;
  for (NamedTensor& t : f32_codes)
    if (t.name == "ip2.weight") t.stored = StoredType::kF32;
  expect_rejected(f32_codes, "'ip2.weight' must be I8");
}

// Layers only in TRAIN (an auxiliary head, as GoogLeNet's) are not in the inference net: neither
// calibrated nor quantized, their weights written as they are.
TEST_F(QuantizeTest, TrainOnlyLayersStayFp32) {
  ImportedModel model = lenet(1);
  PoolParams pool;
  pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
  model.spec.layers.push_back({.name = "aux_pool",
                               .op = std::make_shared<PoolOp>(pool),
                               .bottoms = {"conv2"},
                               .tops = {"aux_pool"},
                               .only_in = Phase::kTrain});
  model.spec.layers.push_back(
      {.name = "aux_fc",
       .op = std::make_shared<InnerProductOp>(InnerProductParams{.out_features = 10}),
       .bottoms = {"aux_pool"},
       .tops = {"aux_fc"},
       .only_in = Phase::kTrain});
  model.weights.push_back({"aux_fc.weight", random_tensor<float>(Shape{10, 800}, 5)});
  model.weights.push_back({"aux_fc.bias", random_tensor<float>(Shape{10}, 6)});
  ActivationRanges ranges(model.spec);
  EXPECT_EQ(std::count(ranges.blobs().begin(), ranges.blobs().end(), "aux_pool"), 0);
  std::unique_ptr<Net> net = make_net(model, {.phase = Phase::kTest, .keep_blobs = ranges.blobs()});
  net->forward();
  ranges.observe(*net);
  for (const NamedTensor& t : quantize_model(model, ranges)) {
    EXPECT_NE(t.name, "aux_fc.weight_scale");
    if (t.name == "aux_fc.weight") {
      EXPECT_EQ(t.stored, StoredType::kF32);
    } else if (t.name == "ip1.weight") {
      EXPECT_EQ(t.stored, StoredType::kI8);
    }
  }
}

}  // namespace
}  // namespace svertka::testing
