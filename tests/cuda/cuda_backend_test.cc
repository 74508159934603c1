// The CUDA backend's logic that needs no GPU: the caching allocator's bookkeeping (over host
// memory), the choice and caching of convolution algorithms, device names, the kernel registry,
// and the typed error of a machine without a GPU (this one, and CI's).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>

#include "backends/cuda/block_pool.h"
#include "backends/cuda/conv_algorithm.h"
#include "core/op_registry.h"
#include "svertka/backend.h"
#include "svertka/backends/cuda.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"

namespace svertka::cuda {
namespace {

// A BlockPool over malloc that counts what reaches the "driver" and can run out.
struct HostDriver {
  int64_t allocations = 0, frees = 0;
  size_t capacity = SIZE_MAX, held = 0;
  std::map<void*, size_t> blocks;
  BlockPool pool{[this](size_t bytes) -> void* {
                   if (held + bytes > capacity) return nullptr;
                   ++allocations;
                   held += bytes;
                   void* p = std::malloc(bytes);
                   blocks[p] = bytes;
                   return p;
                 },
                 [this](void* p) {
                   ++frees;
                   held -= blocks.at(p);
                   blocks.erase(p);
                   std::free(p);
                 }};
};

TEST(BlockPool, ATrainingLoopAllocatesFromTheDriverOnlyInItsFirstIteration) {
  HostDriver driver;
  const std::vector<size_t> sizes = {4096, 1 << 20, 3 << 20, 100, 4096};
  for (int iteration = 0; iteration < 5; ++iteration) {
    std::vector<void*> blocks;
    for (size_t bytes : sizes) blocks.push_back(driver.pool.allocate(bytes));
    for (void* b : blocks) driver.pool.deallocate(b);
    EXPECT_EQ(driver.allocations, int64_t(sizes.size())) << "iteration " << iteration;
  }
  const PoolStatistics s = driver.pool.statistics();
  EXPECT_EQ(s.in_use_bytes, 0u);
  EXPECT_EQ(s.driver_allocations, int64_t(sizes.size()));
  EXPECT_GE(s.peak_in_use_bytes, size_t(4096 + (1 << 20) + (3 << 20) + 100 + 4096));
}

TEST(BlockPool, RoundsRequestsSoThatNearSizesShareBlocks) {
  EXPECT_EQ(BlockPool::rounded(0), 512u);
  EXPECT_EQ(BlockPool::rounded(513), 1024u);
  EXPECT_EQ(BlockPool::rounded((1 << 20) + 1), (1u << 20) + (128u << 10));
  HostDriver driver;
  void* a = driver.pool.allocate(1000);
  driver.pool.deallocate(a);
  EXPECT_EQ(driver.pool.allocate(900), a);  // both round to 1024
  // A cached block more than a quarter larger than the request is not handed out.
  HostDriver other;
  void* big = other.pool.allocate(8 << 20);
  other.pool.deallocate(big);
  EXPECT_NE(other.pool.allocate(1 << 20), big);
  EXPECT_EQ(other.allocations, 2);
}

TEST(BlockPool, GivesItsCacheBackWhenTheDriverRunsOutThenReportsAResourceError) {
  HostDriver driver;
  driver.capacity = 4 << 20;
  void* a = driver.pool.allocate(3 << 20);
  driver.pool.deallocate(a);  // cached, 3 MiB held
  void* b = driver.pool.allocate(2 << 20);  // does not fit beside it: the cache is freed first
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(driver.frees, 1);
  EXPECT_THROW(driver.pool.allocate(3 << 20), ResourceError);
  driver.pool.deallocate(b);
  driver.pool.release_cached();
  EXPECT_EQ(driver.pool.statistics().reserved_bytes, 0u);
}

TEST(ConvAlgorithm, ChoosesTheFastestThatSucceededWithinTheWorkspaceLimit) {
  const std::vector<AlgorithmCandidate> candidates = {
      {.algorithm = 1, .succeeded = true, .milliseconds = 0.5f, .workspace_bytes = 1 << 30},
      {.algorithm = 2, .succeeded = false, .milliseconds = 0.1f, .workspace_bytes = 0},
      {.algorithm = 3, .succeeded = true, .milliseconds = 0.9f, .workspace_bytes = 1 << 20},
      {.algorithm = 4, .succeeded = true, .milliseconds = 0.7f, .workspace_bytes = 0},
  };
  EXPECT_EQ(choose_algorithm(candidates, size_t(1) << 30)->algorithm, 1);
  const auto limited = choose_algorithm(candidates, size_t(1) << 20);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->algorithm, 4);
  EXPECT_EQ(limited->workspace_bytes, 0u);
  EXPECT_FLOAT_EQ(limited->milliseconds, 0.7f);  // what a padded-or-plain choice compares
  EXPECT_FALSE(choose_algorithm(std::span(candidates).subspan(1, 1), 1 << 30));
}

TEST(ConvAlgorithm, EachShapeAndDirectionIsMeasuredOnce) {
  ConvAlgorithmCache cache;
  int measured = 0;
  const auto measure = [&] {
    ++measured;
    return std::vector<AlgorithmCandidate>{{7, true, 1.0f, 256}};
  };
  ConvKey key{2, 3, 32, 32, 8, 3, 3, 1, 1, 1, 1, 1, ConvDirection::kForward, false};
  EXPECT_EQ(cache.choose(key, 1 << 20, measure).algorithm, 7);
  EXPECT_EQ(cache.choose(key, 1 << 20, measure).algorithm, 7);
  key.direction = ConvDirection::kBackwardData;
  cache.choose(key, 1 << 20, measure);
  key.tf32 = true;
  cache.choose(key, 1 << 20, measure);
  EXPECT_EQ(measured, 3);
  EXPECT_EQ(cache.measurements(), 3);
  key.n = 4;
  EXPECT_THROW(cache.choose(key, 100, measure), BackendError);  // 256 bytes > limit
}

TEST(CudaBackend, DeviceNamesParse) {
  EXPECT_EQ(parse_device_name("cuda").backend, Backend::kCuda);
  EXPECT_EQ(parse_device_name("cuda").ordinal, 0);
  EXPECT_EQ(parse_device_name("cuda:3").ordinal, 3);
  EXPECT_EQ(parse_device_name("cpu_ref").backend, Backend::kCpuRef);
  EXPECT_THROW(parse_device_name("cuda:"), ParamError);
  EXPECT_THROW(parse_device_name("cuda:x"), ParamError);
  EXPECT_THROW(parse_device_name("cuda:-1"), ParamError);
  EXPECT_THROW(parse_device_name("cpu_dnnl:1"), ParamError);
  EXPECT_THROW(parse_device_name("tpu"), NotFoundError);
}

TEST(CudaBackend, EveryOpWithAReferenceKernelHasACudaKernel) {
  const KernelRegistry& registry = KernelRegistry::instance();
  ASSERT_TRUE(has_backend(Backend::kCuda));
  int ops = 0;
  for (const OpEntry* entry : op_entries()) {
    if (!registry.has(entry->type, Backend::kCpuRef)) continue;
    ++ops;
    EXPECT_TRUE(registry.has(entry->type, Backend::kCuda)) << entry->type;
  }
  EXPECT_GE(ops, 12);
}

TEST(CudaBackend, WithoutAGpuOpeningADeviceIsAClearError) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "this machine has a GPU: cuda_gpu_test covers it";
  for (const char* name : {"cuda", "cuda:1"}) {
    try {
      open_device(parse_device_name(name));
      ADD_FAILURE() << name << " opened without a GPU";
    } catch (const BackendError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("no CUDA device: ", 0), 0u) << e.what();
    }
  }
}

TEST(CudaBackend, AskingForAGpuBeyondTheMachinesIsAClearError) {
  try {
    open_cuda_device(cuda_device_count() + 7);
    ADD_FAILURE() << "opened a GPU that is not there";
  } catch (const BackendError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("no CUDA device: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace svertka::cuda
