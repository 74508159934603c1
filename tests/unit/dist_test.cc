// Sharding and gradient bucketing, without MPI: a fake communicator stands in for the other ranks.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "fake_communicator.h"
#include "svertka/device.h"
#include "svertka/dist/gradient_averager.h"
#include "svertka/dist/shard.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

TEST(Shard, RanksReadDisjointSlicesOfEachGlobalBatchCoveringTheOrder) {
  std::vector<int64_t> order(24);
  std::iota(order.begin(), order.end(), 100);
  std::reverse(order.begin(), order.end());
  const int ranks = 3;
  const int64_t batch = 2;
  std::vector<int64_t> seen;
  for (int r = 0; r < ranks; ++r) {
    const std::vector<int64_t> mine = shard_for_rank(order, batch, ranks, r);
    ASSERT_EQ(mine.size(), order.size() / ranks);
    // Batch b of rank r is samples [b*6 + 2r, b*6 + 2r + 2) of the order: one process with
    // batch 6 reads the same samples in its batch b.
    for (size_t i = 0; i < mine.size(); ++i)
      EXPECT_EQ(mine[i], order[(i / batch) * batch * ranks + r * batch + i % batch]);
    seen.insert(seen.end(), mine.begin(), mine.end());
  }
  std::sort(seen.begin(), seen.end());
  std::vector<int64_t> all = order;
  std::sort(all.begin(), all.end());
  EXPECT_EQ(seen, all);
}

TEST(Shard, RejectsAnOrderThatIsNotWholeGlobalBatches) {
  std::vector<int64_t> order(10);
  EXPECT_THROW(shard_for_rank(order, 4, 2, 0), ParamError);
  EXPECT_THROW(shard_for_rank(order, 5, 2, 2), ParamError);
}

TEST(Shard, ValidationRangesPartitionTheSet) {
  int64_t next = 0;
  for (int r = 0; r < 4; ++r) {
    const Range part = range_for_rank(10, 4, r);
    EXPECT_EQ(part.begin, next);
    EXPECT_GE(part.end - part.begin, 2);
    next = part.end;
  }
  EXPECT_EQ(next, 10);
}

std::vector<Parameter> params_of_sizes(const std::vector<int64_t>& sizes) {
  std::vector<Parameter> params;
  for (size_t k = 0; k < sizes.size(); ++k) {
    Parameter p;
    p.name = fmt::format("p{}", k);
    p.value = Tensor(Shape{sizes[k]});
    p.grad = Tensor(Shape{sizes[k]});
    for (int64_t i = 0; i < sizes[k]; ++i) p.grad[i] = float(k + 1) + 0.5f * float(i);
    params.push_back(std::move(p));
  }
  return params;
}

TEST(GradientAverager, StartsABucketAsSoonAsItsLastGradientIsReady) {
  // 4-byte floats: buckets of at most 64 bytes, filled from the last parameter: {3,2}, {1}, {0}.
  std::vector<Parameter> params = params_of_sizes({20, 12, 8, 8});
  FakeCommunicator comm(2, 1.0f);
  GradientAverager averager(params, comm, {.bucket_bytes = 64});
  EXPECT_EQ(averager.num_buckets(), 3);
  averager.begin();
  averager.ready(3);
  EXPECT_TRUE(comm.started.empty());  // p2 is still missing from the first bucket
  averager.ready(2);
  EXPECT_EQ(comm.started, (std::vector<int64_t>{16}));
  averager.ready(1);
  EXPECT_EQ(comm.started, (std::vector<int64_t>{16, 12}));
  averager.finish();  // starts p0's bucket, which backward never reported
  EXPECT_EQ(comm.started, (std::vector<int64_t>{16, 12, 20}));
}

TEST(GradientAverager, LeavesTheMeanOverRanksInTheGradients) {
  std::vector<Parameter> params = params_of_sizes({5, 7});
  const std::vector<Parameter> before = params_of_sizes({5, 7});
  // 4 ranks; the other three hold 3x our gradient: mean = (g + 3*3g) / 4 = 2.5 g.
  FakeCommunicator comm(4, 3.0f);
  GradientAverager averager(params, comm, {.bucket_bytes = 1 << 20});
  for (int round = 0; round < 2; ++round) {
    for (size_t k = 0; k < params.size(); ++k) params[k].grad.copy_from(before[k].grad);
    averager.begin();
    averager.ready(1);
    averager.ready(0);
    averager.finish();
    for (size_t k = 0; k < params.size(); ++k)
      for (int64_t i = 0; i < params[k].grad.numel(); ++i)
        EXPECT_FLOAT_EQ(params[k].grad[i], 2.5f * before[k].grad[i]) << params[k].name << i;
  }
}

TEST(Communicator, StartedWithoutMpirunIsOneLocalProcess) {
  if (launched_by_mpi()) GTEST_SKIP() << "run under an MPI launcher";
  const auto comm = make_communicator();
  EXPECT_EQ(comm->size(), 1);
  EXPECT_EQ(comm->rank(), 0);
}

// A backend's own communicator (the CUDA plugin's NCCL) takes over from MPI's only for its devices
// and only with several ranks; the bootstrap is handed to it.
std::unique_ptr<Communicator> wrap_for_test(std::unique_ptr<Communicator> bootstrap, Device&,
                                            const CommunicatorOptions&) {
  auto* fake = dynamic_cast<FakeCommunicator*>(bootstrap.get());
  return std::make_unique<FakeCommunicator>(fake ? fake->size() * 10 : -1, 1.0f);
}

TEST(Communicator, ADeviceCommunicatorReplacesTheBootstrapForItsBackendWithSeveralRanks) {
  register_device_communicator(Backend::kCpuRef, &wrap_for_test);
  const std::shared_ptr<Device> ref = open_device(Backend::kCpuRef);
  const std::shared_ptr<Device> dnnl = open_device(Backend::kCpuDnnl);
  EXPECT_EQ(make_device_communicator(std::make_unique<FakeCommunicator>(2, 1.0f), *ref)->size(),
            20);  // the factory's, given the bootstrap of 2 ranks
  EXPECT_EQ(make_device_communicator(std::make_unique<FakeCommunicator>(2, 1.0f), *dnnl)->size(),
            2);  // no factory for cpu_dnnl: the bootstrap itself
  EXPECT_EQ(make_device_communicator(std::make_unique<LocalCommunicator>(), *ref)->size(),
            1);  // one rank: nothing to sum
  register_device_communicator(Backend::kCpuRef, nullptr);
  EXPECT_EQ(make_device_communicator(std::make_unique<FakeCommunicator>(2, 1.0f), *ref)->size(), 2);
}

}  // namespace
}  // namespace svertka::testing
