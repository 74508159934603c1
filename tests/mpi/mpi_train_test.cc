// Data-parallel training under `mpirun -np 2` (registered in tests/mpi/CMakeLists.txt): every rank
// runs every test; the collectives inside the Trainer pair them up.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "localize_test_helpers.h"
#include "svertka/dist/communicator.h"
#include "svertka/io/safetensors.h"
#include "svertka/localize/localizer.h"
#include "svertka/solver/trainer.h"
#include "synthetic_idx.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

Communicator* comm = nullptr;

// Records every sample index the trainer asks for.
class RecordingSource final : public BatchSource {
 public:
  explicit RecordingSource(const BatchSource& inner) : inner_(inner) {}
  int64_t size() const override { return inner_.size(); }
  Shape sample_shape() const override { return inner_.sample_shape(); }
  int64_t num_classes() const override { return inner_.num_classes(); }
  void fill(std::span<const int64_t> indices, bool augment, uint64_t seed, uint64_t epoch,
            Tensor& images, Tensor& labels) const override {
    seen.insert(seen.end(), indices.begin(), indices.end());
    inner_.fill(indices, augment, seed, epoch, images, labels);
  }
  mutable std::vector<int64_t> seen;

 private:
  const BatchSource& inner_;
};

class MpiTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(comm->size(), 2) << "run under mpirun -np 2";
    omp_set_num_threads(1);
    // Rank 0's pid names the directory on every rank (only rank 0 writes to it).
    double pid[1] = {double(::getpid())};
    comm->broadcast(pid, 0);
    dir_ = fs::temp_directory_path() /
           ("svertka_mpi_" + std::to_string(int64_t(pid[0])) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    // Shifts and flips stay on: they depend on (seed, epoch, sample), not on the rank.
    train_ = std::make_unique<IdxBatchSource>(synthetic_idx(64, 1),
                                              Normalization{.mean = 0.3f, .stddev = 0.3f},
                                              SmallImageAugment{.pad = 2, .mirror = true});
  }
  void TearDown() override {
    double done[1] = {0};
    comm->sum(done);  // both ranks are past their last use of dir_
    if (comm->rank() == 0) fs::remove_all(dir_);
  }

  // lenet (no dropout), K = max_iterations updates of `batch` per rank.
  TrainConfig config(const std::string& run, int64_t batch, int64_t max_iterations,
                     Communicator* c) const {
    TrainConfig t;
    t.loop.epochs = 2;
    t.loop.batch = batch;
    t.loop.max_iterations = max_iterations;
    t.loop.seed = 5;
    t.solver.schedule.kind = LrScheduleOptions::Kind::kFixed;
    t.solver.schedule.base_lr = 0.02;
    t.snapshot.out_dir = (dir_ / run).string();
    t.distribution.communicator = c;
    t.distribution.bucket_bytes = 64 << 10;  // several buckets for lenet's 1.7 MB of gradients
    return t;
  }

  static TrainResult train(const TrainConfig& c, const BatchSource& data) {
    Trainer trainer(zoo_train_net("lenet", data, c.loop.batch), c, data, nullptr);
    return trainer.run();
  }

  std::vector<NamedTensor> weights(const std::string& run) const {
    return load_safetensors((dir_ / run / "weights.safetensors").string()).tensors;
  }

  fs::path dir_;
  std::unique_ptr<BatchSource> train_;
};

// Largest over tensors of |a - b| / |b| (L2 norms).
double relative_difference(const std::vector<NamedTensor>& a, const std::vector<NamedTensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
    double diff = 0, norm = 0;
    for (int64_t i = 0; i < b[k].tensor.numel(); ++i) {
      diff += std::pow(double(a[k].tensor[i]) - double(b[k].tensor[i]), 2);
      norm += std::pow(double(b[k].tensor[i]), 2);
    }
    worst = std::max(worst, std::sqrt(diff / std::max(norm, 1e-30)));
  }
  return worst;
}

TEST_F(MpiTrain, TwoRanksOfBatchBGiveTheWeightsOfOneProcessOfBatch2B) {
  TrainConfig two = config("two_ranks", 4, 10, comm);
  two.distribution.check_replicas_every = 1;  // and the replicas stay bitwise equal
  train(two, *train_);
  if (comm->rank() != 0) return;
  train(config("one_process", 8, 10, nullptr), *train_);
  train(config("one_process_small_batch", 4, 10, nullptr), *train_);
  const double difference = relative_difference(weights("two_ranks"), weights("one_process"));
  EXPECT_LT(difference, 1e-5);
  // The comparison can tell batches apart: batch B alone ends far from batch 2B.
  EXPECT_GT(relative_difference(weights("one_process_small_batch"), weights("one_process")),
            100 * std::max(difference, 1e-7));
}

TEST_F(MpiTrain, RanksReadDisjointShardsCoveringTheEpoch) {
  RecordingSource source(*train_);
  TrainConfig c = config("shards", 4, 0, comm);
  c.loop.epochs = 1;  // 64 samples = 8 updates of 2 x 4
  train(c, source);
  EXPECT_EQ(source.seen.size(), 32u);
  std::vector<double> times_seen(64, 0.0);
  for (int64_t i : source.seen) times_seen[size_t(i)] += 1;
  comm->sum(times_seen);
  for (size_t i = 0; i < times_seen.size(); ++i) EXPECT_EQ(times_seen[i], 1.0) << "sample " << i;
}

TEST_F(MpiTrain, ACheckpointOfTwoRanksResumesOnOneProcess) {
  train(config("resumed", 4, 3, comm), *train_);
  if (comm->rank() != 0) return;
  // Rank 0 alone continues mid-epoch with the same global batch. (Few updates: the runs start
  // 1e-6 apart, from summation order, and a max-pool tie flipping later would amplify that.)
  TrainConfig rest = config("resumed", 8, 6, nullptr);
  rest.snapshot.resume = true;
  EXPECT_EQ(train(rest, *train_).state.iteration, 6);
  train(config("whole", 8, 6, nullptr), *train_);
  EXPECT_LT(relative_difference(weights("resumed"), weights("whole")), 1e-5);
}

// Localisation runs on the same Trainer: its ranks average their gradients as classification's
// do (if each trained alone on its shard, the replicas would differ after the first update).
TEST_F(MpiTrain, LocalizationTrainsAsOneRunAcrossRanks) {
  const std::string boxes = (dir_ / "boxes").string();
  if (comm->rank() == 0) {
    fs::create_directories(boxes);
    write_rectangles(boxes, "train", 32, 1);
  }
  double written[1] = {0};
  comm->sum(written);  // rank 1 reads what rank 0 wrote
  const BoxBatchSource data(read_box_list(boxes + "/train.txt"), plain_32());
  const BoxHeadOptions head{.per_class = true};
  const LocalizationTask task("scores", head);
  auto localize = [&](const std::string& run, int64_t batch, Communicator* c) {
    TrainConfig config = this->config(run, batch, 6, c);
    config.distribution.check_replicas_every = 1;
    const NetSpec spec =
        add_box_head(small_localizer({.num_classes = 2, .batch = batch}), "scores", 2, head);
    Trainer trainer({"small_localizer", spec, "scores"}, config, data, nullptr, &task);
    return trainer.run();
  };
  EXPECT_EQ(localize("localize_two_ranks", 4, comm).state.iteration, 6);
  if (comm->rank() != 0) return;
  localize("localize_one_process", 8, nullptr);
  EXPECT_LT(relative_difference(weights("localize_two_ranks"), weights("localize_one_process")),
            1e-5);
}

}  // namespace
}  // namespace svertka::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const auto communicator = svertka::make_communicator({.timeout_seconds = 60});
  svertka::testing::comm = communicator.get();
  if (communicator->rank() != 0) {  // one report is enough
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS();
  double failures[1] = {double(failed)};
  communicator->sum(failures);  // either rank failing fails the test
  return failures[0] > 0 ? 1 : 0;
}
