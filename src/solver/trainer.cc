#include "svertka/solver/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "svertka/data/pipeline.h"
#include "svertka/error.h"
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
  Tensor& images = net.input("data");
  Tensor& labels = net.input("label");
  const int64_t batch = images.dim(0), total = data.size();
  // Every sample once, the last batch padded with repeats of the last sample.
  std::vector<int64_t> indices;
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    for (int64_t i = 0; i < batch; ++i) indices.push_back(begin + std::min(i, count - 1));
  }
  BatchPipeline pipeline(data, std::move(indices), batch,
                         {.workers = workers, .augment = false, .seed = 0, .epoch = 0});
  TopKCounts counts;
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    pipeline.next(images, labels);
    net.forward();
    counts += count_top_k(net.blob(logits), labels, count);
    if (progress) progress(begin + count, total);
  }
  return counts;
}

TrainResult train(const TrainConfig& config, const BatchSource& train_data,
                  const BatchSource* validation_data) {
  if (config.batch <= 0 || config.iter_size <= 0 || config.epochs <= 0)
    throw ParamError("batch, iter_size and epochs must be positive");
  const int64_t samples_per_update = config.batch * config.iter_size;
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
  if (!config.out_dir.empty()) prepare_run_directory(config.out_dir);
  TrainingState state{.seed = config.seed, .model = config.model};
  if (config.resume) {
    if (config.out_dir.empty()) throw ParamError("--resume needs the run directory (--out)");
    state = load_checkpoint(checkpoint_path, net, solver);
    if (state.model != config.model)
      throw ParamError(checkpoint_path + " holds a '" + state.model + "' model, not '" +
                       config.model + "'");
    if (state.seed != config.seed)
      throw ParamError(checkpoint_path + " was trained with seed " + std::to_string(state.seed) +
                       ", not " + std::to_string(config.seed) + "; resume with the same seed");
    schedule.restore(state.schedule);
  }
  auto save = [&] {
    if (config.out_dir.empty()) return;
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
  Tensor& images = net.input("data");
  Tensor& labels = net.input("label");
  while (state.iteration < planned && state.epoch < config.epochs) {
    const std::vector<int64_t> order =
        epoch_order(train_data.size(), config.seed, static_cast<uint64_t>(state.epoch));
    // This epoch's batches, from where it stands to the last update planned in it.
    const int64_t updates = std::min((train_data.size() - state.epoch_position) / samples_per_update,
                                     planned - state.iteration);
    const auto first = order.begin() + state.epoch_position;
    BatchPipeline pipeline(train_data, {first, first + updates * samples_per_update}, config.batch,
                           {.workers = config.data_workers,
                            .prefetch = config.prefetch,
                            .augment = true,
                            .seed = config.seed,
                            .epoch = static_cast<uint64_t>(state.epoch)});
    EpochTotals totals;
    while (state.epoch_position + samples_per_update <= train_data.size() &&
           state.iteration < planned) {
      if (config.stop_requested && config.stop_requested->load()) {
        save();
        result.interrupted = true;
        result.state = state;
        return result;
      }
      const double lr = schedule.lr(state.iteration);
      float loss = 0;
      for (int64_t part = 0; part < config.iter_size; ++part) {
        pipeline.next(images, labels);
        net.set_step(static_cast<uint64_t>(state.iteration * config.iter_size + part));
        loss += net.forward() / float(config.iter_size);
        if (!std::isfinite(loss))
          throw DataError(
              "training diverged at iteration " + std::to_string(state.iteration) +
              ": the loss is " + std::to_string(loss) +
              (config.out_dir.empty() ? "" : "; the last good checkpoint is " + checkpoint_path));
        net.backward();
        totals.top1 += net.blob("accuracy_top1")[0];
        totals.top5 += net.blob("accuracy_top5")[0];
        if (config.iter_size > 1)
          for (size_t k = 0; k < accumulated.size(); ++k) {
            Tensor& sum = accumulated[k];
            const Tensor& g = net.params()[k].grad;
            for (int64_t i = 0; i < sum.numel(); ++i)
              sum[i] = (part ? sum[i] : 0.0f) + g[i] / float(config.iter_size);
          }
        state.epoch_position += config.batch;
      }
      if (config.iter_size > 1)
        for (size_t k = 0; k < accumulated.size(); ++k)
          net.params()[k].grad.copy_from(accumulated[k]);
      solver.step(lr);
      ++state.iteration;
      if (config.snapshot_interval > 0 && state.iteration % config.snapshot_interval == 0) save();
      if (test_net && config.test_interval > 0 && state.iteration % config.test_interval == 0) {
        const TopKCounts counts = evaluate(*test_net, *validation_data, logits);
        if (config.on_test) config.on_test(state.iteration, counts);
      }
      totals.loss += loss;
      ++totals.batches;
      if (config.on_progress) {
        const double elapsed = seconds_since(start);
        const double done = double(state.iteration - start_iteration);
        config.on_progress({state.epoch, config.epochs, state.iteration, planned,
                            done * double(samples_per_update) / std::max(elapsed, 1e-9), loss, lr,
                            elapsed / std::max(done, 1.0) * double(planned - state.iteration)});
      }
    }
    const bool epoch_complete = state.epoch_position + samples_per_update > train_data.size();
    EpochMetrics m;
    m.epoch = state.epoch;
    m.iteration = state.iteration;
    m.lr = schedule.lr(state.iteration > 0 ? state.iteration - 1 : 0);
    if (totals.batches > 0) {
      m.loss = totals.loss / double(totals.batches);
      const double batches = double(totals.batches * config.iter_size);
      m.train_top1_error = 1.0 - totals.top1 / batches;
      m.train_top5_error = 1.0 - totals.top5 / batches;
    }
    if (test_net) {
      const TopKCounts counts =
          evaluate(*test_net, *validation_data, logits, {}, config.data_workers);
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
    if (!config.out_dir.empty()) append_metrics(config.out_dir, m);
    if (config.on_epoch) config.on_epoch(m);
    result.last = m;
  }
  if (!config.out_dir.empty()) save_weights(config.out_dir + "/weights.safetensors", net);
  result.state = state;
  return result;
}

}  // namespace svertka
