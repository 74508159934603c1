// Section 4: alexnet_small on Fashion-MNIST with one recipe (batch 128, lr 0.01, seed 1, no
// augmentation) on the GPU for whole epochs, and on cpu_ref for the first updates only (cpu_ref's
// naive loops need some 15 minutes per epoch even on 16 cores). The two runs see the same weights,
// batches and dropout masks, so their losses must agree update by update until rounding
// differences grow: the first update's loss within 1e-3, the mean of the first 30 within 2 %.
// The GPU's validation error per epoch is reported beside them.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <numeric>

#include "gpu_check.h"
#include "svertka/data/batch_source.h"
#include "svertka/solver/trainer.h"

namespace svertka::gpu_check {

namespace {

constexpr int64_t kCpuUpdates = 30;

struct Trained {
  std::vector<double> losses;  // per update
  std::vector<EpochMetrics> epochs;
  double seconds = 0;
};

Trained train(const IdxSplit& data, const std::shared_ptr<Device>& device, int64_t epochs,
              int64_t max_updates) {
  TrainConfig config;
  config.loop.epochs = epochs;
  config.loop.max_iterations = max_updates;
  config.loop.batch = 128;
  config.loop.seed = 1;
  config.loop.backend = device ? Backend::kCuda : Backend::kCpuRef;
  config.loop.device = device;
  config.solver.schedule.base_lr = 0.01;
  config.validation.enabled = max_updates == 0;
  Trained trained;
  config.callbacks.on_progress = [&trained](const TrainProgress& p) {
    trained.losses.push_back(p.loss);
  };
  config.callbacks.on_epoch = [&trained](const EpochMetrics& m) { trained.epochs.push_back(m); };
  const auto start = std::chrono::steady_clock::now();
  Trainer trainer(zoo_train_net("alexnet_small", *data.train, config.loop.batch), config,
                  *data.train, data.test.get());
  trainer.run();
  trained.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return trained;
}

double mean(const std::vector<double>& v, size_t n) {
  n = std::min(n, v.size());
  return n == 0 ? NAN : std::accumulate(v.begin(), v.begin() + std::ptrdiff_t(n), 0.0) / double(n);
}

}  // namespace

int check_training(const CheckOptions& options, const std::shared_ptr<Device>& device) {
  Table table(options, "train.tsv", "what\tgpu\tcpu_ref\trelative_difference\tresult");
  if (options.fashion_mnist.empty()) {
    table.row("skipped: no --fashion-mnist folder\t-\t-\t-\t-");
    return 0;
  }
  const IdxSplit data = load_idx_split(options.fashion_mnist, {}, MeanSubtraction::kPerChannel);
  const Trained gpu = train(data, device, options.train_epochs, 0);
  const Trained cpu = train(data, nullptr, 1, kCpuUpdates);
  auto compare = [&](const std::string& what, double g, double c, double tolerance) {
    const double difference = std::abs(g - c) / std::abs(c);
    const bool ok = difference <= tolerance;
    if (!ok) table.fail();
    table.row(fmt::format("{}\t{:.6f}\t{:.6f}\t{:.3e}\t{}", what, g, c, difference,
                          ok ? "ok" : "FAIL"));
  };
  if (gpu.losses.empty() || cpu.losses.size() < size_t(kCpuUpdates)) {
    table.fail();
    table.row("error\tno losses recorded\t-\t-\tFAIL");
    return table.failures();
  }
  compare("loss of update 1", gpu.losses[0], cpu.losses[0], 1e-3);
  compare(fmt::format("mean loss of updates 1-{}", kCpuUpdates), mean(gpu.losses, kCpuUpdates),
          mean(cpu.losses, kCpuUpdates), 0.02);
  for (const EpochMetrics& m : gpu.epochs)
    table.row(fmt::format("epoch {} validation top-1 error\t{:.4f}\t-\t-\t-", m.epoch,
                          m.val_top1_error));
  table.row(fmt::format("seconds\t{:.1f}\t{:.1f}\t-\t-", gpu.seconds, cpu.seconds));
  return table.failures();
}

}  // namespace svertka::gpu_check
