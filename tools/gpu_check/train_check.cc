// Section 4: alexnet_small trained on Fashion-MNIST with the same recipe on the GPU and on
// cpu_ref (same seed, data order, augmentation and dropout masks), the validation error of each
// epoch side by side. The two runs differ only by rounding, which training amplifies: the check
// asks for the final errors to be within 1.5 points of each other.
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "gpu_check.h"
#include "svertka/data/batch_source.h"
#include "svertka/solver/trainer.h"

namespace svertka::gpu_check {

namespace {

struct Trained {
  std::vector<EpochMetrics> epochs;
  double seconds = 0;
};

Trained train(const CheckOptions& options, const IdxSplit& data, Backend backend,
              const std::shared_ptr<Device>& device) {
  TrainConfig config;
  config.loop.epochs = options.train_epochs;
  config.loop.batch = 128;
  config.loop.seed = 1;
  config.loop.backend = backend;
  config.loop.device = device;
  config.solver.schedule.base_lr = 0.01;
  Trained trained;
  config.callbacks.on_epoch = [&trained](const EpochMetrics& m) {
    trained.epochs.push_back(m);
  };
  const auto start = std::chrono::steady_clock::now();
  Trainer trainer(zoo_train_net("alexnet_small", *data.train, config.loop.batch), config,
                  *data.train, data.test.get());
  trainer.run();
  trained.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return trained;
}

}  // namespace

int check_training(const CheckOptions& options, const std::shared_ptr<Device>& device) {
  Table table(options, "train.tsv", "epoch\tgpu_val_top1_error\tcpu_ref_val_top1_error\tresult");
  if (options.fashion_mnist.empty()) {
    table.row("skipped: no --fashion-mnist folder");
    return 0;
  }
  const IdxSplit data = load_idx_split(options.fashion_mnist, {}, MeanSubtraction::kPerChannel);
  const Trained gpu = train(options, data, Backend::kCuda, device);
  const Trained cpu = train(options, data, Backend::kCpuRef, nullptr);
  for (size_t e = 0; e < gpu.epochs.size() && e < cpu.epochs.size(); ++e) {
    const bool last = e + 1 == gpu.epochs.size();
    const double gap = std::abs(gpu.epochs[e].val_top1_error - cpu.epochs[e].val_top1_error);
    const bool ok = !last || gap <= 0.015;
    if (!ok) table.fail();
    table.row(fmt::format("{}\t{:.4f}\t{:.4f}\t{}", e + 1, gpu.epochs[e].val_top1_error,
                          cpu.epochs[e].val_top1_error, last ? (ok ? "ok" : "FAIL") : "-"));
  }
  table.row(fmt::format("seconds\t{:.1f}\t{:.1f}\t-", gpu.seconds, cpu.seconds));
  if (gpu.epochs.size() != cpu.epochs.size() || gpu.epochs.empty()) table.fail();
  return table.failures();
}

}  // namespace svertka::gpu_check
