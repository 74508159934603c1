// The cpu_dnnl backend as objects (device.h): each device opened has its own engine, stream and
// scratch, a net runs on the one it is given, and two devices compute the same.
#include <gtest/gtest.h>

#include <cstring>

#include "svertka/backend.h"
#include "svertka/blob_names.h"
#include "svertka/builder.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"
#include "svertka/net.h"
#include "svertka/ops/conv.h"

namespace svertka::testing {
namespace {

NetSpec small_net() {
  NetBuilder b("small");
  std::string x = b.input(kDataBlob, Shape{2, 8, 10, 10});
  x = b.relu("relu1", b.conv("conv1", x, Conv(16, 3).pad(1)));
  x = b.pool("pool1", x, Pool::max(2, 2));
  b.fc("fc", x, Fc(5));
  return b.build();
}

Tensor logits_on(const std::shared_ptr<Device>& device) {
  Net net(small_net(), {.phase = Phase::kTest, .device = device});
  net.init_params(5);
  Tensor& data = net.input(kDataBlob);
  for (int64_t i = 0; i < data.numel(); ++i) data[i] = static_cast<float>(i % 13) / 13 - 0.5f;
  net.forward();
  return net.blob("fc").clone();
}

TEST(DnnlDevice, EachOpenedDeviceIsItsOwnObject) {
  const std::shared_ptr<Device> a = open_device(Backend::kCpuDnnl);
  const std::shared_ptr<Device> b = open_device(Backend::kCpuDnnl);
  EXPECT_NE(a, b);
  EXPECT_EQ(a->backend(), Backend::kCpuDnnl);
  EXPECT_EQ(a->memory(), nullptr) << "host memory";
  EXPECT_EQ(default_device(Backend::kCpuDnnl), default_device(Backend::kCpuDnnl));
  EXPECT_NE(a->describe().find("oneDNN ISA"), std::string::npos) << a->describe();
}

TEST(DnnlDevice, NetsOnTwoDevicesComputeTheSame) {
  const Tensor first = logits_on(open_device(Backend::kCpuDnnl));
  const Tensor second = logits_on(open_device(Backend::kCpuDnnl));
  const Tensor shared = logits_on(default_device(Backend::kCpuDnnl));
  ASSERT_EQ(first.shape(), second.shape());
  EXPECT_EQ(std::memcmp(first.data(), second.data(), first.bytes()), 0);
  EXPECT_EQ(std::memcmp(first.data(), shared.data(), first.bytes()), 0);
}

TEST(DnnlDevice, NetRunsOnTheDeviceItIsGiven) {
  const std::shared_ptr<Device> device = open_device(Backend::kCpuDnnl);
  Net net(small_net(), {.phase = Phase::kTest, .backend = Backend::kCpuRef, .device = device});
  EXPECT_EQ(&net.device(), device.get());
  EXPECT_EQ(net.backend(), Backend::kCpuDnnl) << "the device decides the backend";
}

TEST(DnnlDevice, AKernelRefusesAnotherBackendsDevice) {
  const ConvOp conv(ConvParams{.out_channels = 4, .kernel_h = 3, .kernel_w = 3});
  const auto* factory = KernelRegistry::instance().find(ConvOp::kType, Backend::kCpuDnnl);
  ASSERT_NE(factory, nullptr);
  EXPECT_THROW((*factory)(conv, {Shape{1, 2, 5, 5}}, host_device()), BackendError);
}

}  // namespace
}  // namespace svertka::testing
