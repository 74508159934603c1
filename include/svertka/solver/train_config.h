// The settings of a training run (trainer.h), one struct per concern. Every default is the one
// `svertka train` shows (its options bind to these fields), so a recipe that leaves a key out
// gets the same value from the CLI and from the library.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "svertka/dist/communicator.h"
#include "svertka/io/safetensors.h"
#include "svertka/net.h"
#include "svertka/solver/init_from.h"
#include "svertka/solver/lr_schedule.h"
#include "svertka/solver/sgd.h"

namespace svertka {

// What is trained on and for how long.
struct LoopOptions {
  // Passes over the training set; 0: as many as max_iterations needs (Caffe's solvers count
  // iterations).
  int64_t epochs = 10;
  int64_t batch = 64;          // samples per forward pass, on each rank
  int64_t iter_size = 1;       // batches whose gradients are averaged into one update
  int64_t max_iterations = 0;  // stop after this many updates in total (0: all epochs)
  // Stop after the first update that ends this many seconds after training started (validation
  // included), then validate and save as at an epoch's end; 0: no limit. For comparisons at equal
  // wall time.
  double time_limit_seconds = 0;
  uint64_t seed = 1;  // initialisation, data order, augmentation and dropout
  Backend backend = Backend::kCpuDnnl;
  // What convolutions and inner products compute in (precision.h); SGD, the losses and the
  // master weights stay fp32.
  Precision precision = Precision::kF32;
  // The device the nets run on (device.h); null: default_device(backend, precision). When set, it
  // decides the backend and the precision.
  std::shared_ptr<Device> device;
  // Threads filling batches ahead of the network (data/pipeline.h); 0: fill synchronously.
  int data_workers = 0;
  int prefetch = 4;  // batches filled ahead, at most
  // The loss on_progress reports: the mean over the last this many updates (Caffe's
  // average_loss; 1: the update's own).
  int64_t average_loss = 1;
};

struct SolverConfig {
  LrScheduleOptions schedule;  // resolved to iterations by the trainer (resolve_schedule)
  SgdOptions sgd;
};

struct ValidationOptions {
  bool enabled = true;        // after each epoch, when there is a validation set
  int64_t test_interval = 0;  // also every this many updates (Caffe's test_interval)
  // With test_interval, also test before the first update (Caffe's test_initialization).
  bool test_initialization = false;
};

// The run directory: checkpoint.safetensors (after each epoch, every `interval` updates, every
// `minutes` of training and when asked to stop), weights.safetensors at the end, metrics.jsonl
// (one line per epoch, replaced atomically); empty: nothing is written.
struct SnapshotOptions {
  std::string out_dir;
  int64_t interval = 0;  // also checkpoint every this many updates (Caffe's snapshot)
  // Also checkpoint before the first update that starts this many minutes of wall time after the
  // last checkpoint (or the start), so that a killed run loses at most about this much; 0: never.
  double minutes = 10;
  bool resume = false;  // continue from out_dir's checkpoint (needs out_dir)
  // Write weights.safetensors when training ends (Caffe's snapshot_after_train); checkpoints are
  // written as above either way.
  bool after_train = true;
  // Written into every checkpoint and weights file's metadata beside svertka's own entries: the
  // input transform record (input_transform.h), so that eval applies what training did.
  std::map<std::string, std::string> metadata;
};

// After the fillers and unless resuming: parameters copied from this weights file or run directory
// (init_from.h), those of the layers named in `layers` or else every one whose name and shape
// match.
struct InitFromOptions {
  std::string source;  // empty: none
  std::vector<std::string> layers;
  // Set: the tensors to copy from, already read (a .caffemodel's blobs, as `caffe train
  // --weights`); `source` then only names them in the report.
  std::shared_ptr<const SafetensorsContents> tensors;
};

// Data parallelism: with a communicator of N > 1 ranks, LoopOptions::batch is each rank's batch
// (an update uses N * batch * iter_size samples), rank r reads its shard of every global batch
// (dist/shard.h), gradients are averaged across ranks in buckets of bucket_bytes during backward,
// each rank validates a part of the validation set and the counts are summed. Only rank 0 writes
// to the run directory and calls on_progress, on_epoch, on_test and on_init_from.
struct DistributionOptions {
  Communicator* communicator = nullptr;  // null: this process alone
  int64_t bucket_bytes = 8 << 20;
  // Every this many updates, DataError unless the weights are bitwise equal on all ranks (0:
  // never).
  int64_t check_replicas_every = 0;
};

struct TrainProgress {
  int64_t epoch, epochs;          // epoch is 0-based
  int64_t iteration, iterations;  // updates done / planned in total
  double loss, lr;                // rate and time left are the progress bar's to measure
  double task_measure = 0;  // the task's own measure of the update (train_task.h), if it has one
};

struct NamedValue {
  std::string name;
  double value = 0;
};

struct EpochMetrics {
  int64_t epoch = 0, iteration = 0;
  double loss = 0, lr = 0;
  double train_top1_error = 0, train_top5_error = 0;
  double val_top1_error = 0, val_top5_error = 0;
  double seconds = 0;  // training wall time so far, over every resume
  // The task's own measures (localisation: "box_loss", "val_mean_iou"), after the others in
  // metrics.jsonl.
  std::vector<NamedValue> task;
};

struct ValidationCounts;

struct TrainCallbacks {
  const std::atomic<bool>* stop_requested = nullptr;  // set from a signal handler: save and stop
  std::function<void(const TrainProgress&)> on_progress;
  std::function<void(const EpochMetrics&)> on_epoch;
  std::function<void(int64_t iteration, const ValidationCounts&)> on_test;  // each test_interval
  std::function<void(const InitFromReport&)> on_init_from;  // what InitFromOptions copied
  std::function<void(int64_t iteration)> after_update;      // on every rank, after each update
  // On the writing rank, where Caffe's solver snapshots: every SnapshotOptions::interval updates,
  // and, with SnapshotOptions::after_train, when training ends or stops on request unless that
  // update just snapshotted. For Caffe's .caffemodel/.solverstate pairs (io/caffe_snapshot.h).
  std::function<void(const Net& net, const SgdSolver& solver, int64_t iteration)> on_snapshot;
};

struct TrainConfig {
  LoopOptions loop;
  SolverConfig solver;
  ValidationOptions validation;
  SnapshotOptions snapshot;
  InitFromOptions init_from;
  DistributionOptions distribution;
  TrainCallbacks callbacks;
};

}  // namespace svertka
