// Data-parallel measurements, run under `mpirun -np N` (bench/mpi_scaling.sh):
//   svertka_mpi_bench train MODEL BATCH ITERATIONS: images/s of data-parallel training on
//     synthetic 28x28 images (global: N ranks x BATCH per update);
//   svertka_mpi_bench allreduce MODEL... : seconds per iteration to average the full gradient of
//     each ImageNet model (as GradientAverager does it: 8 MiB buckets), without computing it.
// Prints one JSON object per line on rank 0.
#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <random>

#include "svertka/dist/communicator.h"
#include "svertka/dist/gradient_averager.h"
#include "svertka/error.h"
#include "svertka/solver/trainer.h"

namespace svertka {
namespace {

IdxDataset synthetic(int64_t count) {
  IdxDataset d;
  d.images.count = count, d.images.rows = 28, d.images.cols = 28;
  std::mt19937_64 rng(1);
  for (int64_t i = 0; i < count; ++i) {
    const auto label = static_cast<uint8_t>(rng() % 10);
    d.labels.push_back(label);
    for (int p = 0; p < 28 * 28; ++p) d.images.pixels.push_back(uint8_t(rng() % 128 + label * 12));
  }
  return d;
}

void bench_train(Communicator& comm, const std::string& model, int64_t batch, int64_t iterations) {
  const IdxBatchSource data(synthetic(batch * comm.size() * (iterations + 2)),
                            {.mean = 0.3f, .stddev = 0.3f}, {});
  TrainConfig c;
  c.loop.epochs = 1;
  c.loop.batch = batch;
  c.loop.max_iterations = iterations + 2;
  c.distribution.communicator = &comm;
  // Images/s over the last `iterations` updates (the first two warm up oneDNN's primitives).
  std::chrono::steady_clock::time_point start;
  double seconds = 0;
  c.callbacks.on_progress = [&](const TrainProgress& p) {
    if (p.iteration == 2) start = std::chrono::steady_clock::now();
    if (p.iteration == iterations + 2)
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  Trainer(zoo_train_net(model, data, batch), c, data, nullptr).run();
  if (comm.rank() == 0)
    fmt::print(
        "{{\"bench\": \"train\", \"model\": \"{}\", \"ranks\": {}, \"batch_per_rank\": {}, "
        "\"threads_per_rank\": {}, \"images_per_second\": {:.1f}}}\n",
        model, comm.size(), batch, omp_get_max_threads(),
        double(iterations * batch * comm.size()) / seconds);
}

void bench_allreduce(Communicator& comm, const std::string& model, int repeats) {
  // One parameter per layer, with that layer's parameter count: the buckets of the real net.
  std::vector<Parameter> params;
  int64_t total = 0;
  for (const LayerInfo& layer : describe_layers(build_model(model, {.batch = 1}), Phase::kTrain)) {
    if (layer.params == 0) continue;
    Parameter p;
    p.name = layer.name;
    p.grad = Tensor(Shape{layer.params});
    params.push_back(std::move(p));
    total += layer.params;
  }
  GradientAverager averager(params, comm);
  double best = 1e30, sum = 0;
  for (int r = 0; r < repeats + 1; ++r) {
    double t[1] = {0};
    comm.sum(t);  // start together
    const auto start = std::chrono::steady_clock::now();
    averager.begin();
    for (size_t k = params.size(); k-- > 0;) averager.ready(int(k));
    averager.finish();
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r == 0) continue;  // warm-up
    best = std::min(best, s);
    sum += s;
  }
  if (comm.rank() == 0)
    fmt::print(
        "{{\"bench\": \"allreduce\", \"model\": \"{}\", \"ranks\": {}, \"parameters\": {}, "
        "\"megabytes\": {:.1f}, \"buckets\": {}, \"seconds_min\": {:.4f}, \"seconds_mean\": "
        "{:.4f}}}\n",
        model, comm.size(), total, double(total) * 4 / 1e6, averager.num_buckets(), best,
        sum / repeats);
}

}  // namespace
}  // namespace svertka

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto comm = svertka::make_communicator();
    if (args.size() == 4 && args[0] == "train") {
      svertka::bench_train(*comm, args[1], std::stoll(args[2]), std::stoll(args[3]));
    } else if (args.size() >= 2 && args[0] == "allreduce") {
      for (size_t i = 1; i < args.size(); ++i) svertka::bench_allreduce(*comm, args[i], 5);
    } else {
      std::fprintf(stderr,
                   "usage: svertka_mpi_bench train MODEL BATCH ITERATIONS | allreduce MODEL...\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "svertka_mpi_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
