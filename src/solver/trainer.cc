#include "svertka/solver/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "svertka/data/pipeline.h"
#include "svertka/dist/gradient_averager.h"
#include "svertka/dist/shard.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"
#include "svertka/zoo.h"

namespace svertka {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void prepare_run_directory(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw IoError("cannot create run directory " + dir + ": " + error.message());
  const std::string probe = dir + "/metrics.jsonl";
  std::ofstream out(probe, std::ios::app);
  if (!out) throw IoError("cannot write to run directory " + dir + " (" + probe + ")");
}

void append_metrics(const std::string& dir, const EpochMetrics& m) {
  const nlohmann::json line{{"epoch", m.epoch + 1},
                            {"iteration", m.iteration},
                            {"loss", m.loss},
                            {"lr", m.lr},
                            {"train_top1_error", m.train_top1_error},
                            {"train_top5_error", m.train_top5_error},
                            {"val_top1_error", m.val_top1_error},
                            {"val_top5_error", m.val_top5_error},
                            {"seconds", m.seconds}};
  std::ofstream out(dir + "/metrics.jsonl", std::ios::app);
  out << line.dump() << "\n";
  if (!out) throw IoError("cannot append to " + dir + "/metrics.jsonl");
}

// Running means over an epoch: loss and the TRAIN net's accuracy outputs.
struct EpochTotals {
  double loss = 0, top1 = 0, top5 = 0;
  int64_t batches = 0;
};

// Every rank starts from rank 0's weights, momentum and state (a resume reads the checkpoint on
// rank 0 only, so the other machines need no copy of it).
void share_from_rank0(Communicator& comm, Net& net, SgdSolver& solver, TrainingState& state) {
  for (Parameter& p : net.params())
    comm.broadcast(std::span(p.value.data(), static_cast<size_t>(p.value.numel())), 0);
  for (Tensor& m : solver.momentum())
    comm.broadcast(std::span(m.data(), static_cast<size_t>(m.numel())), 0);
  double s[6] = {double(state.iteration),
                 double(state.epoch),
                 double(state.epoch_position),
                 state.schedule.best_error,
                 double(state.schedule.bad_evaluations),
                 double(state.schedule.drops)};
  comm.broadcast(s, 0);
  state.iteration = int64_t(s[0]);
  state.epoch = int64_t(s[1]);
  state.epoch_position = int64_t(s[2]);
  state.schedule = {.best_error = s[3], .bad_evaluations = int(s[4]), .drops = int(s[5])};
}

uint64_t weights_hash(const Net& net) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over 32-bit words
  for (const Parameter& p : net.params()) {
    const auto* words = reinterpret_cast<const uint32_t*>(p.value.data());
    for (int64_t i = 0; i < p.value.numel(); ++i) h = (h ^ words[i]) * 1099511628211ull;
  }
  return h;
}

// Samples [begin, end) of `data`, in batches of the net's batch size (the last one padded).
TopKCounts evaluate_range(Net& net, const BatchSource& data, const std::string& logits,
                          int64_t begin_sample, int64_t end_sample,
                          const std::function<void(int64_t, int64_t)>& progress, int workers) {
  Tensor& images = net.input(kDataBlob);
  Tensor& labels = net.input(kLabelBlob);
  const int64_t batch = images.dim(0), total = end_sample - begin_sample;
  TopKCounts counts;
  if (total <= 0) return counts;
  // Every sample once, the last batch padded with repeats of the last sample.
  std::vector<int64_t> indices;
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    for (int64_t i = 0; i < batch; ++i)
      indices.push_back(begin_sample + begin + std::min(i, count - 1));
  }
  BatchPipeline pipeline(data, std::move(indices), batch,
                         {.workers = workers, .augment = false, .seed = 0, .epoch = 0});
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    pipeline.next(images, labels);
    net.forward();
    counts += count_top_k(net.blob(logits), labels, count);
    if (progress) progress(begin + count, total);
  }
  return counts;
}

// Each rank validates its part; every rank gets the total.
TopKCounts evaluate_on_all_ranks(Communicator& comm, Net& net, const BatchSource& data,
                                 const std::string& logits, int workers) {
  const Range part = range_for_rank(data.size(), comm.size(), comm.rank());
  const TopKCounts mine = evaluate_range(net, data, logits, part.begin, part.end, {}, workers);
  double c[3] = {double(mine.samples), double(mine.top1), double(mine.top5)};
  comm.sum(c);
  return {.samples = int64_t(c[0]), .top1 = int64_t(c[1]), .top5 = int64_t(c[2])};
}

}  // namespace

ModelOptions model_options_for(const BatchSource& data, int64_t batch, int64_t width_divisor) {
  const Shape s = data.sample_shape();
  return ModelOptions{.num_classes = data.num_classes(),
                      .channels = s[0],
                      .height = s[1],
                      .width = s[2],
                      .batch = batch,
                      .width_divisor = width_divisor};
}

TopKCounts evaluate(Net& net, const BatchSource& data, const std::string& logits,
                    const std::function<void(int64_t, int64_t)>& progress, int workers) {
  return evaluate_range(net, data, logits, 0, data.size(), progress, workers);
}

TrainResult train(const TrainConfig& config, const BatchSource& train_data,
                  const BatchSource* validation_data) {
  if (config.batch <= 0 || config.iter_size <= 0 || config.epochs <= 0)
    throw ParamError("batch, iter_size and epochs must be positive");
  LocalCommunicator single_process;
  Communicator& comm = config.communicator ? *config.communicator : single_process;
  const int ranks = comm.size(), rank = comm.rank();
  const bool rank0 = rank == 0;
  const int64_t samples_per_update = config.batch * config.iter_size * ranks;
  const int64_t updates_per_epoch = train_data.size() / samples_per_update;
  if (updates_per_epoch == 0)
    throw ParamError("the training set (" + std::to_string(train_data.size()) +
                     " samples) is smaller than one update (" + std::to_string(samples_per_update) +
                     ")");
  int64_t planned = updates_per_epoch * config.epochs;
  if (config.max_iterations > 0) planned = std::min(planned, config.max_iterations);

  const ModelOptions model_options =
      model_options_for(train_data, config.batch, config.width_divisor);
  const NetSpec spec =
      config.build_net ? config.build_net(model_options) : build_model(config.model, model_options);
  const std::string logits = config.build_net ? config.logits : model_info(config.model).logits;
  Net net(spec, {.phase = Phase::kTrain, .backend = config.backend});
  net.init_params(config.seed);
  std::unique_ptr<Net> test_net;
  if (validation_data && config.validate) {
    test_net =
        std::make_unique<Net>(spec, NetOptions{.phase = Phase::kTest, .backend = config.backend});
    test_net->share_params_from(net);
  }
  SgdSolver solver(net.params(), config.sgd);
  LrScheduleOptions schedule_options = config.schedule;
  // Poly decays to zero at the end of the last epoch (max_iterations only stops early, so that a
  // run stopped and resumed follows the same schedule).
  if (schedule_options.kind == LrScheduleOptions::Kind::kPoly)
    schedule_options.max_iter = updates_per_epoch * config.epochs;
  LrSchedule schedule(schedule_options);

  const std::string checkpoint_path = config.out_dir + "/checkpoint.safetensors";
  if (!config.out_dir.empty() && rank0) prepare_run_directory(config.out_dir);
  TrainingState state{.seed = config.seed, .model = config.model};
  if (config.resume && config.out_dir.empty())
    throw ParamError("--resume needs the run directory (--out)");
  if (config.resume && rank0) {
    state = load_checkpoint(checkpoint_path, net, solver);
    if (state.model != config.model)
      throw ParamError(checkpoint_path + " holds a '" + state.model + "' model, not '" +
                       config.model + "'");
    if (state.seed != config.seed)
      throw ParamError(checkpoint_path + " was trained with seed " + std::to_string(state.seed) +
                       ", not " + std::to_string(config.seed) + "; resume with the same seed");
  }
  if (!config.init_from.empty() && !config.resume && rank0) {
    const InitFromReport report = init_params_from(
        net, load_safetensors(resolve_weights_path(config.init_from)), config.init_layers);
    if (config.on_init_from) config.on_init_from(report);
  }
  if (ranks > 1) share_from_rank0(comm, net, solver, state);
  schedule.restore(state.schedule);
  std::unique_ptr<GradientAverager> averager;
  if (ranks > 1)
    averager = std::make_unique<GradientAverager>(net.params(), comm,
                                                  GradientAveragerOptions{config.bucket_bytes});
  auto save = [&] {
    if (config.out_dir.empty() || !rank0) return;
    state.schedule = schedule.state();
    save_checkpoint(checkpoint_path, net, solver, state);
  };

  // Gradients of iter_size batches are averaged into `accumulated` before each update.
  std::vector<Tensor> accumulated;
  if (config.iter_size > 1)
    for (const Parameter& p : net.params()) accumulated.emplace_back(p.value.shape());

  TrainResult result;
  const auto start = Clock::now();
  const int64_t start_iteration = state.iteration;
  Tensor& images = net.input(kDataBlob);
  Tensor& labels = net.input(kLabelBlob);
  BatchBuffers batch_buffers;  // each epoch's pipeline reuses the last one's prefetch batches
  while (state.iteration < planned && state.epoch < config.epochs) {
    const std::vector<int64_t> order =
        epoch_order(train_data.size(), config.seed, static_cast<uint64_t>(state.epoch));
    // This epoch's batches, from where it stands to the last update planned in it.
    const int64_t updates = std::min(
        (train_data.size() - state.epoch_position) / samples_per_update, planned - state.iteration);
    const auto first = order.begin() + state.epoch_position;
    std::vector<int64_t> indices(first, first + updates * samples_per_update);
    if (ranks > 1) indices = shard_for_rank(indices, config.batch, ranks, rank);
    BatchPipeline pipeline(train_data, std::move(indices), config.batch,
                           {.workers = config.data_workers,
                            .prefetch = config.prefetch,
                            .augment = true,
                            .seed = config.seed,
                            .epoch = static_cast<uint64_t>(state.epoch),
                            .buffers = &batch_buffers});
    EpochTotals totals;
    while (state.epoch_position + samples_per_update <= train_data.size() &&
           state.iteration < planned) {
      bool stop = config.stop_requested && config.stop_requested->load();
      if (ranks > 1) {  // every rank stops at the same update
        double any[1] = {stop ? 1.0 : 0.0};
        comm.sum(any);
        stop = any[0] > 0;
      }
      if (stop) {
        save();
        result.interrupted = true;
        result.state = state;
        return result;
      }
      const double lr = schedule.lr(state.iteration);
      float loss = 0;
      if (averager) averager->begin();
      for (int64_t part = 0; part < config.iter_size; ++part) {
        pipeline.next(images, labels);
        // Each rank its own dropout masks; one process counts as before.
        net.set_step(
            static_cast<uint64_t>((state.iteration * config.iter_size + part) * ranks + rank));
        loss += net.forward() / float(config.iter_size);
        if (!std::isfinite(loss))
          throw DataError(
              "training diverged at iteration " + std::to_string(state.iteration) +
              ": the loss is " + std::to_string(loss) +
              (config.out_dir.empty() ? "" : "; the last good checkpoint is " + checkpoint_path));
        const bool last_part = part + 1 == config.iter_size;
        // A layer's gradients are final once its backward ran in the last part: accumulated over
        // the parts into the gradient, then (with several ranks) their bucket may start.
        net.backward([&](int layer) {
          for (int k : net.layer_params(layer)) {
            if (config.iter_size > 1) {
              Tensor& sum = accumulated[static_cast<size_t>(k)];
              Tensor& g = net.params()[static_cast<size_t>(k)].grad;
              Tensor& out = last_part ? g : sum;
              for (int64_t i = 0; i < sum.numel(); ++i)
                out[i] = (part ? sum[i] : 0.0f) + g[i] / float(config.iter_size);
            }
            if (last_part && averager) averager->ready(k);
          }
        });
        totals.top1 += net.blob(kAccuracyTop1)[0];
        totals.top5 += net.blob(kAccuracyTop5)[0];
        state.epoch_position += config.batch * ranks;
      }
      if (averager) averager->finish();
      solver.step(lr);
      ++state.iteration;
      if (ranks > 1 && config.check_replicas_every > 0 &&
          state.iteration % config.check_replicas_every == 0 &&
          !comm.same_on_all_ranks(weights_hash(net)))
        throw DataError("the weights differ across ranks after iteration " +
                        std::to_string(state.iteration) + " (" + comm.describe() + ")");
      if (config.after_update) config.after_update(state.iteration);
      if (config.snapshot_interval > 0 && state.iteration % config.snapshot_interval == 0) save();
      if (test_net && config.test_interval > 0 && state.iteration % config.test_interval == 0) {
        const TopKCounts counts =
            evaluate_on_all_ranks(comm, *test_net, *validation_data, logits, config.data_workers);
        if (config.on_test && rank0) config.on_test(state.iteration, counts);
      }
      totals.loss += loss;
      ++totals.batches;
      if (config.on_progress && rank0) {
        const double elapsed = seconds_since(start);
        const double done = double(state.iteration - start_iteration);
        config.on_progress({state.epoch, config.epochs, state.iteration, planned,
                            done * double(samples_per_update) / std::max(elapsed, 1e-9), loss, lr,
                            elapsed / std::max(done, 1.0) * double(planned - state.iteration)});
      }
      if (config.time_limit_seconds > 0) {  // rank 0's clock decides for every rank
        const bool late = rank0 && seconds_since(start) >= config.time_limit_seconds;
        double out_of_time[1] = {late ? 1.0 : 0.0};
        if (ranks > 1) comm.sum(out_of_time);
        if (out_of_time[0] > 0) planned = state.iteration;  // ends this epoch and the run
      }
    }
    const bool epoch_complete = state.epoch_position + samples_per_update > train_data.size();
    EpochMetrics m;
    m.epoch = state.epoch;
    m.iteration = state.iteration;
    m.lr = schedule.lr(state.iteration > 0 ? state.iteration - 1 : 0);
    if (ranks > 1) {
      double sums[3] = {totals.loss, totals.top1, totals.top5};
      comm.sum(sums);
      totals.loss = sums[0] / ranks;
      totals.top1 = sums[1];
      totals.top5 = sums[2];
    }
    if (totals.batches > 0) {
      m.loss = totals.loss / double(totals.batches);
      const double batches = double(totals.batches * config.iter_size * ranks);
      m.train_top1_error = 1.0 - totals.top1 / batches;
      m.train_top5_error = 1.0 - totals.top5 / batches;
    }
    if (test_net) {
      const TopKCounts counts =
          evaluate_on_all_ranks(comm, *test_net, *validation_data, logits, config.data_workers);
      m.val_top1_error = counts.top1_error();
      m.val_top5_error = counts.top5_error();
      if (epoch_complete) schedule.observe_validation_error(m.val_top1_error);
    }
    m.seconds = seconds_since(start);
    if (epoch_complete) {
      ++state.epoch;
      state.epoch_position = 0;
    }
    save();
    if (!config.out_dir.empty() && rank0) append_metrics(config.out_dir, m);
    if (config.on_epoch && rank0) config.on_epoch(m);
    result.last = m;
  }
  if (!config.out_dir.empty() && rank0) save_weights(config.out_dir + "/weights.safetensors", net);
  result.state = state;
  return result;
}

}  // namespace svertka
