// u8 activations between int8 layers (BlobLayout::kU8ChannelsLast): which blobs a quantized TEST
// net keeps as codes, and that they change nothing but where the rounding happens. An int8 layer
// rounds its input onto the grid of its input scale either way; with codes, the layer before
// writes round(y / s) itself (its ReLU fused, saturating at 255) and max pooling picks among codes,
// which is the same as rounding after the pooling because rounding is monotonic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include "backends/cpu_dnnl/lrn_codes.h"
#include "random_fill.h"
#include "svertka/backends/cpu_dnnl.h"
#include "svertka/io/int8_model.h"
#include "svertka/io/model_loading.h"
#include "svertka/ops/conv.h"
#include "svertka/solver/trainer.h"
#include "synthetic_idx.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

// conv1 -> conv2 -> max pool2, read by conv3a, conv3b and conv3c at one scale (an Inception
// module); conv3a -> average pooling (which cannot pass codes) -> ip4; conv3b and conv3c joined
// by a channel concat -> max pooling -> ip5, an inner product reading NHWC codes against weights
// in CHW order; conv3d and conv3e (no ReLU: it cannot write codes) joined -> ip6.
constexpr const char* kNet = R"(name: "u8_chain"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 28 dim: 28 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 16 kernel_size: 3 pad: 1 weight_filler { type: "xavier" }
                      bias_filler { type: "constant" value: 0.05 } } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2"
  convolution_param { num_output: 32 kernel_size: 3 pad: 1 weight_filler { type: "xavier" }
                      bias_filler { type: "constant" value: 0.05 } } }
layer { name: "relu2" type: "ReLU" bottom: "conv2" top: "conv2" }
layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv3a" type: "Convolution" bottom: "pool2" top: "conv3a"
  convolution_param { num_output: 32 kernel_size: 3 pad: 1 weight_filler { type: "xavier" } } }
layer { name: "relu3a" type: "ReLU" bottom: "conv3a" top: "conv3a" }
layer { name: "pool3a" type: "Pooling" bottom: "conv3a" top: "pool3a"
  pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layer { name: "conv3b" type: "Convolution" bottom: "pool2" top: "conv3b"
  convolution_param { num_output: 16 kernel_size: 1 weight_filler { type: "xavier" } } }
layer { name: "relu3b" type: "ReLU" bottom: "conv3b" top: "conv3b" }
layer { name: "conv3c" type: "Convolution" bottom: "pool2" top: "conv3c"
  convolution_param { num_output: 8 kernel_size: 3 pad: 1 weight_filler { type: "xavier" } } }
layer { name: "relu3c" type: "ReLU" bottom: "conv3c" top: "conv3c" }
layer { name: "join" type: "Concat" bottom: "conv3b" bottom: "conv3c" top: "join" }
layer { name: "pool3b" type: "Pooling" bottom: "join" top: "pool3b"
  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "conv3d" type: "Convolution" bottom: "pool2" top: "conv3d"
  convolution_param { num_output: 8 kernel_size: 1 weight_filler { type: "xavier" } } }
layer { name: "relu3d" type: "ReLU" bottom: "conv3d" top: "conv3d" }
layer { name: "conv3e" type: "Convolution" bottom: "pool2" top: "conv3e"
  convolution_param { num_output: 8 kernel_size: 1 weight_filler { type: "xavier" } } }
layer { name: "mixed" type: "Concat" bottom: "conv3d" bottom: "conv3e" top: "mixed" }
layer { name: "ip4" type: "InnerProduct" bottom: "pool3a" top: "ip4"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "ip5" type: "InnerProduct" bottom: "pool3b" top: "ip5"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "ip6" type: "InnerProduct" bottom: "mixed" top: "ip6"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "all" type: "Concat" bottom: "ip4" bottom: "ip5" bottom: "ip6" top: "all" }
layer { name: "logits" type: "InnerProduct" bottom: "all" top: "logits"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
)";

class Int8ActivationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("svertka_u8_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_idx(dir_.string(), "train", synthetic_idx(64, 1));
    write_idx(dir_.string(), "t10k", synthetic_idx(kBatch, 2));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `model` with initialised weights.
  static ImportedModel initialised(ImportedModel model) {
    Net net(model.spec, {.phase = Phase::kTest});
    net.init_params(5);
    for (const Parameter& p : net.params()) model.weights.push_back({p.name, p.value});
    return model;
  }

  // `model` calibrated on `passes` forward passes of what `fill` puts into a net's inputs, and
  // quantized.
  ImportedModel quantized(ImportedModel model, int passes,
                          const std::function<void(Net&, int)>& fill,
                          const QuantizeOptions& options = {}) {
    ActivationRanges ranges(model.spec);
    std::unique_ptr<Net> net =
        make_net(model, {.phase = Phase::kTest, .keep_blobs = ranges.blobs()});
    for (int pass = 0; pass < passes; ++pass) {
      fill(*net, pass);
      net->forward();
      ranges.observe(*net);
    }
    const std::string path = (dir_ / "q.safetensors").string();
    save_safetensors(path, quantize_model(model, ranges, options));
    model.weights = read_model_weights(path, model.spec);
    return model;
  }

  // The net above (or `prototxt`), calibrated on the training images.
  ImportedModel quantized(const char* prototxt = kNet, const QuantizeOptions& options = {}) {
    std::ofstream(dir_ / "net.prototxt") << prototxt;
    IdxSplit data = load_idx_split(dir_.string(), SmallImageAugment{});
    return quantized(initialised(load_model((dir_ / "net.prototxt").string(), "",
                                            {.model = model_options_for(*data.train, kBatch)})),
                     4, [&](Net& net, int pass) { fill(*data.train, pass * kBatch, net); },
                     options);
  }

  // The quantized `model` twice: with u8 codes between its int8 layers, and with fp32 there.
  struct TwoNets {
    std::unique_ptr<Net> codes, floats;
  };
  static TwoNets both_ways(const ImportedModel& model, const std::vector<std::string>& keep) {
    return {make_net(model, {.phase = Phase::kTest, .keep_blobs = keep}),
            make_net(model, {.phase = Phase::kTest, .keep_blobs = keep, .int8_layouts = false})};
  }

  // Why `codes` can pass no codes here (checking that `blob` is not u8), or "" where it can.
  static std::string no_codes_here(const Net& codes, const std::string& blob) {
    if (codes.backend() != Backend::kCpuDnnl) return "int8 kernels are oneDNN's";
    if (dnnl_int8_vnni()) return "";
    EXPECT_NE(codes.blob_layout(blob), BlobLayout::kU8ChannelsLast);
    return "without VNNI every int8 input is s8 (backends/cpu_dnnl.h): no u8 codes";
  }

  // The two nets' logits within 0.1% of the largest: codes and fp32 between the layers differ only
  // where a value falls on a rounding tie.
  static void expect_logits_agree(const Net& codes, const Net& floats) {
    const Tensor& a = codes.blob("logits");
    const Tensor& b = floats.blob("logits");
    double top = 0, diff = 0;
    for (int64_t i = 0; i < b.numel(); ++i) {
      top = std::max(top, double(std::fabs(b[i])));
      diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
    }
    EXPECT_LE(diff, 1e-3 * top) << "largest logit " << top;
  }

  static void fill(const BatchSource& source, int64_t start, Net& net) {
    std::vector<int64_t> indices(static_cast<size_t>(kBatch));
    for (int64_t i = 0; i < kBatch; ++i) indices[size_t(i)] = start + i;
    Tensor labels(Shape{kBatch});
    source.fill(indices, false, 0, 0, net.input("data"), labels);
    net.input("label").copy_from(labels);
  }

  static constexpr int64_t kBatch = 16;
  fs::path dir_;
};

float input_scale(const NetSpec& spec, const std::string& layer) {
  for (const LayerSpec& l : spec.layers)
    if (l.name == layer) return dynamic_cast<const ConvOp&>(*l.op).params().int8->input_scale;
  throw NotFoundError(layer);
}

TEST_F(Int8ActivationsTest, QuantizedNetKeepsCodesBetweenInt8LayersAndComputesTheSame) {
  const ImportedModel model = quantized();
  IdxSplit data = load_idx_split(dir_.string(), SmallImageAugment{});
  auto [codes, floats] = both_ways(model, {"pool2"});
  if (const std::string why = no_codes_here(*codes, "conv1"); !why.empty()) GTEST_SKIP() << why;

  for (const char* blob : {"conv1", "conv2", "pool2", "conv3b", "conv3c", "join", "pool3b"})
    EXPECT_EQ(codes->blob_layout(blob), BlobLayout::kU8ChannelsLast) << blob;
  for (const char* blob :
       {"data", "conv3a", "pool3a", "conv3d", "conv3e", "mixed", "ip4", "ip5", "all", "logits"})
    EXPECT_NE(codes->blob_layout(blob), BlobLayout::kU8ChannelsLast) << blob;
  for (const char* blob : {"conv1", "pool2", "join"})
    EXPECT_NE(floats->blob_layout(blob), BlobLayout::kU8ChannelsLast) << blob;

  fill(*data.test, 0, *codes);
  fill(*data.test, 0, *floats);
  codes->forward();
  floats->forward();

  // pool2 as codes, dequantized by blob(), is pool2 in fp32 rounded to the grid of conv3a's input.
  const float step = input_scale(model.spec, "conv3a");
  const Tensor& rounded = codes->blob("pool2");
  const Tensor& exact = floats->blob("pool2");
  ASSERT_EQ(rounded.shape(), exact.shape());
  double worst = 0, largest = 0;
  for (int64_t i = 0; i < exact.numel(); ++i) {
    const double expected = std::min<double>(exact[i], 255.0 * step);
    worst = std::max(worst, std::fabs(rounded[i] - expected));
    largest = std::max(largest, double(rounded[i]));
  }
  EXPECT_LE(worst, 0.5001 * step);
  EXPECT_GT(largest, 100 * step) << "codes of a ReLU's output span the grid";

  // The logits agree but where a value falls on a rounding tie (fp32 rounding of the rescaled
  // sum): at most one code here and there, far below the int8 error itself.
  expect_logits_agree(*codes, *floats);
}

// An AlexNet stem: conv1 -> ReLU -> LRN -> max pooling -> conv2. The LRN writes codes on conv2's
// grid (which the pooling passes on) from its fp32 input, held NHWC where an int8 conv1 wrote it,
// channel-blocked or plain after an fp32 conv1 (--keep-fp32) of 16 or 12 channels (converted to
// NHWC first, lrn.h). The same codes as rounding the fp32 net's LRN output (oneDNN's), but for the
// last bit of the two kernels' arithmetic.
constexpr const char* kLrnStem = R"(name: "lrn_stem"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 28 dim: 28 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: CHANNELS kernel_size: 3 pad: 1 weight_filler { type: "xavier" }
                      bias_filler { type: "constant" value: 0.05 } } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "norm1" type: "LRN" bottom: "conv1" top: "norm1"
  lrn_param { local_size: 5 alpha: 0.5 beta: 0.75 } }
layer { name: "pool1" type: "Pooling" bottom: "norm1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
  convolution_param { num_output: 8 kernel_size: 3 pad: 1 weight_filler { type: "xavier" } } }
layer { name: "ip3" type: "InnerProduct" bottom: "conv2" top: "logits"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
)";

TEST_F(Int8ActivationsTest, LrnWritesTheCodesOfItsInt8Reader) {
  struct Case {
    const char* channels;
    std::set<std::string> keep_fp32;
  };
  for (const Case& c :
       {Case{"16", {}}, Case{"20", {}}, Case{"16", {"conv1"}}, Case{"12", {"conv1"}}}) {
    SCOPED_TRACE(std::string(c.channels) + " channels, conv1 " +
                 (c.keep_fp32.empty() ? "int8" : "fp32"));
    std::string prototxt = kLrnStem;
    prototxt.replace(prototxt.find("CHANNELS"), 8, c.channels);
    const ImportedModel model = quantized(prototxt.c_str(), {.keep_fp32 = c.keep_fp32});
    IdxSplit data = load_idx_split(dir_.string(), SmallImageAugment{});
    auto [codes, floats] = both_ways(model, {"norm1", "pool1"});
    if (const std::string why = no_codes_here(*codes, "norm1"); !why.empty()) GTEST_SKIP() << why;
    if (!cpu_dnnl::lrn_writes_codes(LrnParams{})) {
      EXPECT_NE(codes->blob_layout("norm1"), BlobLayout::kU8ChannelsLast);
      GTEST_SKIP() << "an LRN writes codes with AVX-512 only (backends/cpu_dnnl/lrn_codes.h)";
    }
    for (const char* blob : {"norm1", "pool1"}) {
      EXPECT_EQ(codes->blob_layout(blob), BlobLayout::kU8ChannelsLast) << blob;
      EXPECT_NE(floats->blob_layout(blob), BlobLayout::kU8ChannelsLast) << blob;
    }
    EXPECT_NE(codes->blob_layout("conv1"), BlobLayout::kU8ChannelsLast);

    fill(*data.test, 0, *codes);
    fill(*data.test, 0, *floats);
    codes->forward();
    floats->forward();
    const float step = input_scale(model.spec, "conv2");
    for (const char* blob : {"norm1", "pool1"}) {
      const Tensor& dequantized = codes->blob(blob);
      const Tensor& exact = floats->blob(blob);
      ASSERT_EQ(dequantized.shape(), exact.shape());
      int64_t off_by_one = 0, off_by_more = 0, nonzero = 0;
      for (int64_t i = 0; i < exact.numel(); ++i) {
        const double expected = std::nearbyint(std::min(255.0, double(exact[i]) / step));
        const double gap = std::fabs(dequantized[i] / step - expected);
        off_by_one += gap > 0.01 && gap < 1.01;
        off_by_more += gap >= 1.01;
        nonzero += expected > 0;
      }
      EXPECT_EQ(off_by_more, 0) << blob;
      EXPECT_LE(off_by_one, exact.numel() / 1000) << blob;
      EXPECT_GT(nonzero, exact.numel() / 4) << blob;
    }
    expect_logits_agree(*codes, *floats);
  }
}

// The zoo's GoogLeNet (a quarter of its widths, random weights and images): every Inception
// module's output and the max pooling between modules pass codes, and so do the stem's LRNs (from
// fp32 inputs, with AVX-512) and the pooling after the second; the rest of the stem and the last
// module (read by average pooling) stay fp32. Codes and fp32 between the layers round the same
// values but for the last bit of fp32 arithmetic (a producer scales its sum once; with fp32
// between the layers it is scaled, then divided by the step), so now and then a value on a
// rounding boundary goes the other way, and that one-code difference spreads through the modules
// after it: the first module's output is the same codes (here all of them), the ninth's all but a
// few within one code.
TEST_F(Int8ActivationsTest, GoogLeNetInceptionModulesPassCodes) {
  auto random_images = [](Net& net, int pass) {
    net.input("data").copy_from(random_tensor<float>(net.input("data").shape(), 10 + pass));
    net.input("label").zero();
  };
  const ImportedModel int8 = quantized(
      initialised(load_model("googlenet", "",
                             {.model = {.num_classes = 10, .batch = 2, .width_divisor = 4}})),
      2, random_images);
  const std::vector<std::string> joins = {"inception_3a/output", "inception_4e/output"};
  auto [codes, floats] = both_ways(int8, joins);
  if (const std::string why = no_codes_here(*codes, joins[0]); !why.empty()) GTEST_SKIP() << why;
  for (const char* blob :
       {"inception_3a/output", "inception_3a/3x3_reduce", "pool3/3x3_s2",
        "inception_4e/output", "inception_5a/pool", "inception_5b/5x5_reduce"})
    EXPECT_EQ(codes->blob_layout(blob), BlobLayout::kU8ChannelsLast) << blob;
  // The LRNs and the pooling before the first take fp32 NHWC, as the int8 layers write it; the
  // LRNs write codes where they can (AVX-512), else fp32 NHWC too.
  for (const char* blob : {"conv1/7x7_s2", "pool1/3x3_s2", "conv2/3x3"})
    EXPECT_EQ(codes->blob_layout(blob), BlobLayout::kChannelsLast) << blob;
  const BlobLayout after_lrn = cpu_dnnl::lrn_writes_codes(LrnParams{})
                                   ? BlobLayout::kU8ChannelsLast
                                   : BlobLayout::kChannelsLast;
  for (const char* blob : {"pool1/norm1", "conv2/norm2", "pool2/3x3_s2", "inception_3a/pool"})
    EXPECT_EQ(codes->blob_layout(blob), after_lrn) << blob;
  for (const char* blob : {"inception_5b/5x5", "inception_5b/output"})
    EXPECT_EQ(codes->blob_layout(blob), floats->blob_layout(blob)) << blob;
  for (const char* blob : {"pool1/norm1", "inception_3a/output"})
    EXPECT_NE(floats->blob_layout(blob), codes->blob_layout(blob)) << blob;

  random_images(*codes, 7);
  random_images(*floats, 7);
  codes->forward();
  floats->forward();
  // The steps of the joins' readers.
  const std::vector<float> steps = {input_scale(int8.spec, "inception_3b/1x1"),
                                    input_scale(int8.spec, "inception_5a/1x1")};
  const std::vector<double> allowed = {1e-4, 0.01};  // the share of codes that may differ by one
  for (size_t j = 0; j < joins.size(); ++j) {
    const Tensor& dequantized = codes->blob(joins[j]);
    const Tensor& exact = floats->blob(joins[j]);
    int64_t off_by_one = 0, off_by_more = 0;
    for (int64_t i = 0; i < exact.numel(); ++i) {
      const double expected = std::nearbyint(std::min(255.0, double(exact[i]) / steps[j]));
      const double gap = std::fabs(dequantized[i] / steps[j] - expected);
      off_by_one += gap > 0.01 && gap < 1.01;
      off_by_more += gap >= 1.01;
    }
    EXPECT_EQ(off_by_more, 0) << joins[j];
    EXPECT_LE(off_by_one, allowed[j] * double(exact.numel())) << joins[j];
  }
}

}  // namespace
}  // namespace svertka::testing
