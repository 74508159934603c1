// On a GPU (ctest label `gpu`): the CUDA device opens, every op's registry samples match cpu_ref
// forward and backward, and a small net trains a step as cpu_ref does. Without a GPU each test
// skips and says so. The full check (catalog shapes, the zoo, training, speed) is
// tools/gpu_check, which scripts/gpu_check.sh runs where GoogleTest is not installed.
#include <gtest/gtest.h>

#include <cmath>

#include "../../tools/gpu_check/gpu_check.h"
#include "core/op_registry.h"
#include "svertka/backends/cuda.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/accuracy.h"

namespace svertka::gpu_check {
namespace {

std::shared_ptr<Device> gpu_or_skip() {
  if (cuda_device_count() == 0) return nullptr;
  return open_cuda_device(0);
}

TEST(CudaGpu, EveryOpSampleMatchesTheReference) {
  const std::shared_ptr<Device> device = gpu_or_skip();
  if (!device) GTEST_SKIP() << "no CUDA device on this machine (tools/gpu_check runs on one)";
  for (const OpEntry* entry : op_entries()) {
    for (const OpSample& sample : entry->samples()) {
      CompareOptions options;
      options.fixed_inputs = sample.fixed_inputs;
      for (const Difference& d :
           compare_with_reference(*sample.op, sample.inputs, *device, 3, options))
        EXPECT_LE(d.max_relative_error, 1e-3) << entry->type << " " << d.what;
    }
  }
}

TEST(CudaGpu, AccuracyOfANonFiniteScoreIsAnError) {
  const std::shared_ptr<Device> device = gpu_or_skip();
  if (!device) GTEST_SKIP() << "no CUDA device on this machine";
  Tensor scores(Shape{2, 3}), labels(Shape{2});
  const float values[] = {0.9f, 0.1f, 0.0f, 0.2f, 0.3f, std::nanf("")};
  for (int64_t i = 0; i < 6; ++i) scores[i] = values[i];
  labels[0] = 0, labels[1] = 1;
  Tensor gpu_scores(scores.shape(), device->memory()), gpu_labels(labels.shape(), device->memory());
  gpu_scores.copy_from(scores), gpu_labels.copy_from(labels);
  Tensor accuracy(Shape{1}, device->memory());
  const AccuracyOp op;
  auto kernel = KernelRegistry::instance().make(op, *device, {scores.shape(), labels.shape()});
  try {
    kernel->forward({{&gpu_scores, &gpu_labels}, {}, {&accuracy}});
    ADD_FAILURE() << "a NaN score was counted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("sample 1 scores class 2 as nan"), std::string::npos)
        << e.what();
  }
}

TEST(CudaGpu, DescribesTheDevice) {
  const std::shared_ptr<Device> device = gpu_or_skip();
  if (!device) GTEST_SKIP() << "no CUDA device on this machine";
  EXPECT_NE(device->describe().find("cuda:0"), std::string::npos);
  EXPECT_TRUE(device->memory() != nullptr);
}

}  // namespace
}  // namespace svertka::gpu_check
