// The oneDNN backend keeps activations channel-blocked between layers (blob_layout.h); whole nets
// must still compute what the reference backend computes, blob by blob and gradient by gradient.
#include <gtest/gtest.h>

#include "op_test_helpers.h"
#include "svertka/device.h"
#include "svertka/kernel_registry.h"
#include "svertka/net.h"
#include "svertka/ops/lrn.h"
#include "svertka/ops/pooling.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

// The layout the oneDNN backend gives a blob whose parts have `channels` channels (or multiples):
// blocked when they fill whole blocks of this processor's channel block.
BlobLayout layout_for_channels(int64_t channels) {
  return channels % channel_block(Backend::kCpuDnnl) == 0 ? BlobLayout::kChannelBlocked
                                                          : BlobLayout::kPlain;
}

// Runs a training step of `spec` on both backends from the same parameters and inputs and compares
// the loss, the blobs and gradients named, and every parameter gradient.
void expect_backends_train_alike(const NetSpec& spec, const std::vector<std::string>& blobs,
                                 double tolerance) {
  Net dnnl(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuDnnl, .keep_blobs = blobs});
  Net ref(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuRef, .keep_blobs = blobs});
  dnnl.init_params(3);
  ref.init_params(3);
  fill_uniform(dnnl.input("data"), 4);
  ref.input("data").copy_from(dnnl.input("data"));
  Tensor& labels = dnnl.input("label");
  for (int64_t i = 0; i < labels.numel(); ++i) labels[i] = static_cast<float>(i % 7);
  ref.input("label").copy_from(labels);

  const float dnnl_loss = dnnl.forward(), ref_loss = ref.forward();
  EXPECT_NEAR(dnnl_loss, ref_loss, tolerance * std::abs(ref_loss));
  for (const std::string& name : blobs)
    EXPECT_LE(max_relative_error(dnnl.blob(name), ref.blob(name)), tolerance) << "blob " << name;
  dnnl.backward();
  ref.backward();
  for (const std::string& name : blobs)
    EXPECT_LE(max_relative_error(dnnl.blob_grad(name), ref.blob_grad(name)), tolerance)
        << "gradient of blob " << name;
  for (size_t k = 0; k < dnnl.params().size(); ++k)
    EXPECT_LE(max_relative_error(dnnl.params()[k].grad, ref.params()[k].grad), tolerance)
        << "gradient of " << dnnl.params()[k].name;
}

TEST(BlobLayout, AlexNetSmallKeepsItsConvolutionalActivationsBlocked) {
  const NetSpec spec = build_model("alexnet_small", {.num_classes = 10, .channels = 1, .batch = 4});
  Net net(spec, {.phase = Phase::kTrain});
  for (const char* name : {"conv1", "norm1", "pool1", "conv2", "norm2", "pool2", "conv3"})
    EXPECT_EQ(net.blob_layout(name), BlobLayout::kChannelBlocked) << name;
  // pool3 feeds an inner product, which reads plain blobs only; the input is the caller's.
  EXPECT_EQ(net.blob_layout("pool3"), BlobLayout::kPlain);
  EXPECT_EQ(net.blob_layout("data"), BlobLayout::kPlain);
  Net ref(spec, {.phase = Phase::kTrain, .backend = Backend::kCpuRef});
  EXPECT_EQ(ref.blob_layout("conv1"), BlobLayout::kPlain);
}

TEST(BlobLayout, AlexNetSmallTrainsAsOnTheReferenceBackend) {
  // norm1 and conv3 are blocked (read back converted), pool3 is converted at pool3's output.
  const NetSpec spec = build_model("alexnet_small", {.num_classes = 10, .channels = 1, .batch = 4});
  expect_backends_train_alike(spec, {"conv1", "norm1", "pool2", "conv3", "pool3"}, 1e-3);
}

TEST(BlobLayout, AlexNetSmallInfersAsOnTheReferenceBackend) {
  const NetSpec spec = build_model("alexnet_small", {.num_classes = 10, .channels = 1, .batch = 3});
  Net dnnl(spec, {.phase = Phase::kTest, .keep_blobs = {"norm2"}});
  Net ref(spec, {.phase = Phase::kTest, .backend = Backend::kCpuRef, .keep_blobs = {"norm2"}});
  dnnl.init_params(5);
  ref.init_params(5);
  fill_uniform(dnnl.input("data"), 6);
  ref.input("data").copy_from(dnnl.input("data"));
  dnnl.forward();
  ref.forward();
  EXPECT_EQ(dnnl.blob_layout("norm2"), BlobLayout::kChannelBlocked);
  EXPECT_LE(max_relative_error(dnnl.blob("norm2"), ref.blob("norm2")), 1e-4);
  EXPECT_LE(max_relative_error(dnnl.blob("fc5"), ref.blob("fc5")), 1e-4);
}

TEST(BlobLayout, Vgg11TrainsAsOnTheReferenceBackend) {
  const NetSpec spec = build_model(
      "vgg11", {.num_classes = 10, .height = 32, .width = 32, .batch = 2, .width_divisor = 8});
  Net net(spec, {.phase = Phase::kTrain});
  // 64 / 8 = 8 channels: a whole block where oneDNN blocks by 8 (AVX2), not by 16 (AVX-512).
  EXPECT_EQ(net.blob_layout("conv1_1"), layout_for_channels(8));
  EXPECT_EQ(net.blob_layout("conv2_1"), BlobLayout::kChannelBlocked);
  // Keeping conv2_1 stops relu2_1 running in place: blocked in, blocked out.
  expect_backends_train_alike(spec, {"conv2_1", "pool2", "conv3_2", "pool5"}, 1e-3);
}

TEST(BlobLayout, GoogLeNetTrainsAsOnTheReferenceBackend) {
  // Width / 4: Inception 3a's parts are 16, 32, 8 and 8 channels, so its join stays plain with
  // blocks of 16 (AVX-512) and is blocked with blocks of 8 (AVX2); 3b's (32, 48, 24, 16) likewise;
  // 4e's (64, 80, 32, 32) and 5b's are whole blocks either way, joined blocked. The blocks read by
  // four branches accumulate four gradients.
  const NetSpec spec = build_model(
      "googlenet", {.num_classes = 10, .height = 96, .width = 96, .batch = 2, .width_divisor = 4});
  Net net(spec, {.phase = Phase::kTrain});
  EXPECT_EQ(net.blob_layout("inception_3a/output"), layout_for_channels(8));
  EXPECT_EQ(net.blob_layout("inception_5b/output"), BlobLayout::kChannelBlocked);
  expect_backends_train_alike(spec, {"inception_4e/output", "inception_5b/output"}, 1e-3);
}

// (N, C, H, W) values from NCHW into NHWC order (BlobLayout::kChannelsLast), or back.
Tensor channels_last(const Tensor& x, bool into) {
  const int64_t n = x.dim(0), c = x.dim(1), hw = x.dim(2) * x.dim(3);
  Tensor y(x.shape());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t p = 0; p < hw; ++p) {
        const int64_t nchw = (i * c + k) * hw + p, nhwc = (i * hw + p) * c + k;
        y[into ? nhwc : nchw] = x[into ? nchw : nhwc];
      }
  return y;
}

// LRN and pooling as a quantized net's stem runs them (fp32 NHWC in and out, inference) compute
// what the reference kernels compute on NCHW; Caffe's ceil rule and padding included.
TEST(BlobLayout, LrnAndPoolingOnChannelsLastInferAsTheReference) {
  const Shape shape{2, 24, 13, 13};
  const Tensor x = random_tensor<float>(shape, 11, 0.0, 2.0);
  PoolParams max{.kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2};
  PoolParams average = max;
  average.method = PoolMethod::kAverage;
  PoolParams padded{
      .kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1};
  const std::vector<std::shared_ptr<Op>> ops = {
      std::make_shared<LrnOp>(LrnParams{}), std::make_shared<PoolOp>(max),
      std::make_shared<PoolOp>(average), std::make_shared<PoolOp>(padded)};
  const auto device = open_device(Backend::kCpuDnnl);
  for (const auto& op : ops) {
    SCOPED_TRACE(op->label());
    const Shape y_shape = op->output_shapes({shape})[0];
    Tensor expected(y_shape), held_y(y_shape);
    KernelRegistry::instance()
        .make(*op, host_device(), {shape})
        ->forward({{&x}, {}, {&expected}, Phase::kTest});
    auto kernel = KernelRegistry::instance().make(*op, *device, {shape});
    ASSERT_TRUE(kernel->reads_channels_last());
    kernel->set_layouts({BlobLayout::kChannelsLast}, {BlobLayout::kChannelsLast});
    const Tensor held_x = channels_last(x, true);
    kernel->forward({{&held_x}, {}, {&held_y}, Phase::kTest});
    EXPECT_LE(max_relative_error(channels_last(held_y, false), expected), 1e-5);
  }
}

}  // namespace
}  // namespace svertka::testing
