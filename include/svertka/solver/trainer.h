// Training a zoo model on a BatchSource with SGD: epochs of shuffled batches, validation after each
// epoch, a checkpoint after each epoch and on request (Ctrl-C), metrics as JSON lines, and exact
// resume: N + resume + N iterations give the same weights as 2N in one run.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "svertka/data/batch_source.h"
#include "svertka/dist/communicator.h"
#include "svertka/eval/metrics.h"
#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/solver/init_from.h"
#include "svertka/solver/lr_schedule.h"
#include "svertka/solver/sgd.h"
#include "svertka/zoo.h"

namespace svertka {

struct TrainProgress {
  int64_t epoch, epochs;          // epoch is 0-based
  int64_t iteration, iterations;  // updates done / planned in total
  double images_per_second, loss, lr, eta_seconds;
};

struct EpochMetrics {
  int64_t epoch = 0, iteration = 0;
  double loss = 0, lr = 0;
  double train_top1_error = 0, train_top5_error = 0;
  double val_top1_error = 0, val_top5_error = 0;
  double seconds = 0;  // wall time since the run (or resume) started
};

struct TrainConfig {
  std::string model;  // a zoo name, or what build_net builds (recorded in checkpoints)
  // When set, builds the net instead of the zoo (a Caffe prototxt); it must have inputs "data" and
  // "label", accuracy outputs "accuracy_top1" / "accuracy_top5", and class scores in `logits`.
  std::function<NetSpec(const ModelOptions&)> build_net;
  std::string logits;
  int64_t width_divisor = 1;  // ModelOptions::width_divisor (narrower nets for quick runs)
  int64_t epochs = 10;
  int64_t batch = 64;
  int64_t iter_size = 1;       // batches whose gradients are averaged into one update
  int64_t max_iterations = 0;  // stop after this many updates in total (0: all epochs)
  // Stop after the first update that ends this many seconds after training started (validation
  // included), then validate and save as at an epoch's end; 0: no limit. For comparisons at equal
  // wall time.
  double time_limit_seconds = 0;
  LrScheduleOptions schedule;
  SgdOptions sgd;
  uint64_t seed = 1;
  Backend backend = Backend::kCpuDnnl;
  std::string out_dir;  // checkpoint.safetensors, weights.safetensors, metrics.jsonl
  bool resume = false;
  // After the fillers and unless resuming: parameters copied from this weights file or run
  // directory (init_from.h), those of the layers named in init_layers or else every one whose
  // name and shape match; on_init_from receives what was copied and what was not.
  std::string init_from;
  std::vector<std::string> init_layers;
  std::function<void(const InitFromReport&)> on_init_from;
  bool validate = true;
  // Threads filling batches ahead of the network (data/pipeline.h); 0: fill synchronously.
  int data_workers = 0;
  int prefetch = 4;               // batches filled ahead, at most
  int64_t snapshot_interval = 0;  // also checkpoint every this many updates (Caffe's snapshot)
  int64_t test_interval = 0;      // also validate every this many updates (Caffe's test_interval)
  const std::atomic<bool>* stop_requested = nullptr;  // set from a signal handler: save and stop
  std::function<void(const TrainProgress&)> on_progress;
  std::function<void(const EpochMetrics&)> on_epoch;
  std::function<void(int64_t iteration, const TopKCounts&)> on_test;  // after each test_interval

  // Data parallelism: with a communicator of N > 1 ranks, `batch` is each rank's batch (an update
  // uses N * batch * iter_size samples), rank r reads its shard of every global batch
  // (dist/shard.h), gradients are averaged across ranks in buckets of bucket_bytes during backward,
  // each rank validates a part of the validation set and the counts are summed. Only rank 0 writes
  // to out_dir and calls on_progress, on_epoch and on_test. Null: this process alone.
  Communicator* communicator = nullptr;
  int64_t bucket_bytes = 8 << 20;
  // Every this many updates, DataError unless the weights are bitwise equal on all ranks (0:
  // never).
  int64_t check_replicas_every = 0;
  std::function<void(int64_t iteration)> after_update;  // on every rank, after each update
};

struct TrainResult {
  bool interrupted = false;
  TrainingState state;
  EpochMetrics last;  // of the last completed epoch
};

TrainResult train(const TrainConfig& config, const BatchSource& train_data,
                  const BatchSource* validation_data);

// Top-1/top-5 over a whole dataset, in batches of the net's batch size (the last one padded),
// filled by `workers` threads of a BatchPipeline (0: synchronously).
TopKCounts evaluate(Net& net, const BatchSource& data, const std::string& logits,
                    const std::function<void(int64_t done, int64_t total)>& progress = {},
                    int workers = 0);

ModelOptions model_options_for(const BatchSource& data, int64_t batch, int64_t width_divisor = 1);

}  // namespace svertka
