// The Trainer, in the shape of Caffe's Solver: step() makes one SGD update, validate() measures
// the validation set, snapshot() writes a checkpoint, restore() reads one, and run() trains epochs
// of a deterministic shuffle (seed, epoch) with each sample augmented from (seed, epoch, index),
// validating after each epoch, checkpointing after each epoch, every few minutes and on request
// (Ctrl-C), writing metrics.jsonl, and resuming exactly from any checkpoint: N + resume + N updates
// give the weights (and metrics) of 2N in one run.
//
// The caller hands it the net already shaped for the data (TrainNet) and a task (train_task.h):
// classification by default, localisation with a box head and its per-batch targets.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "svertka/data/batch_source.h"
#include "svertka/data/pipeline.h"
#include "svertka/eval/metrics.h"
#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/solver/train_config.h"
#include "svertka/solver/train_task.h"
#include "svertka/zoo.h"

namespace svertka {

// The net to train. `spec` has inputs "data" (batch,C,H,W) and "label" (batch) at each rank's
// batch size, plus whatever its task fills (localisation: "bbox_target"), and the outputs
// "accuracy_top1" / "accuracy_top5" (class scores in `logits`); `model` names it in checkpoints
// (a resume must match).
struct TrainNet {
  std::string model;
  NetSpec spec;
  std::string logits;
};

// The zoo model `name` built for `data`'s samples at `batch` (and width_divisor, for quick runs).
TrainNet zoo_train_net(const std::string& name, const BatchSource& data, int64_t batch,
                       int64_t width_divisor = 1);

struct TrainResult {
  bool interrupted = false;
  // The run (resumed) had already done every planned update; `last` then holds the validation
  // metrics of its weights (no training metrics).
  bool nothing_left = false;
  TrainingState state;
  EpochMetrics last;  // of the last completed epoch
};

class Distribution;
class GradientAccumulator;
class RunDirectory;
class TimeLimit;

// What one update did.
struct StepResult {
  float loss = 0;           // the net's loss, averaged over the iter_size parts
  double lr = 0;            // the rate it was made with
  double task_measure = 0;  // the task's own measure (TrainTask::batch_measure), averaged likewise
};

class Trainer {
 public:
  // Builds the TRAIN net (parameters from their fillers at the seed) and, with a validation set
  // and validation enabled, a TEST net sharing its parameters; then restores the run directory's
  // checkpoint (SnapshotOptions::resume) or copies InitFromOptions' weights, and gives every rank
  // rank 0's parameters. A null task: classification on net.logits. `train_data`,
  // `validation_data`, `task` and the config's communicator must outlive the trainer.
  // ParamError for settings that cannot run (sizes, a resume without out_dir, a checkpoint of
  // another run: check_resumable), IoError for an unwritable run directory or a checkpoint that
  // cannot be read or holds invalid state. A writing rank removes the temporary files killed
  // writes left in the run directory (remove_stale_temporaries).
  Trainer(TrainNet net, TrainConfig config, const BatchSource& train_data,
          const BatchSource* validation_data, const TrainTask* task = nullptr);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains until the planned updates are done, the time limit is reached or a stop is requested
  // (then it saves a checkpoint and returns interrupted). Writes weights.safetensors at the end.
  TrainResult run();

  // One update: iter_size batches of the current epoch (a new epoch starts, without the end of
  // epoch run() adds, when the current one has no whole update left), their gradients averaged
  // over the parts and ranks, one SGD step.
  // DataError when the loss is not finite; ParamError when every planned update is done.
  StepResult step();
  // The validation set's counts, each rank measuring its part (every rank must call it).
  ValidationCounts validate();
  // Writes the run directory's checkpoint (rank 0; nothing without out_dir; every rank must call
  // it, as the epoch's totals are summed over them). IoError when it cannot be written (a full
  // disk), saying that the previous checkpoint is unchanged.
  void snapshot();
  // Weights, momentum and state from `checkpoint` on rank 0, then shared with every rank (every
  // rank must call it). ParamError when it belongs to another run (check_resumable).
  void restore(const std::string& checkpoint);
  // Continues a run saved in another format (Caffe's .solverstate: io/caffe_snapshot.h): `load`,
  // called on rank 0, sets the net's weights and the solver's history and returns the updates
  // that run had made; every rank then holds them. The data go on where this run's own would be
  // after that many updates (epoch iteration / updates per epoch, the samples of its earlier
  // updates used), so that with the same settings the result is that of an uninterrupted run;
  // the epoch's totals start from zero. Call it before run().
  void restore_from(const std::function<int64_t(Net&, SgdSolver&)>& load);

  const TrainingState& state() const { return state_; }
  Net& net() { return net_; }
  int64_t planned_iterations() const { return length_.planned; }

  // How long the run is: samples per update (over every rank), updates per epoch, epochs, and the
  // updates planned in total (the time limit may shorten it).
  struct RunLength {
    int64_t samples_per_update, updates_per_epoch, epochs, planned;
  };

 private:
  // What every rank agreed on before an update.
  struct Requests {
    bool stop = false;      // callbacks.stop_requested
    bool snapshot = false;  // SnapshotOptions::minutes have passed since the last checkpoint
  };

  bool epoch_has_room() const;
  void open_epoch();
  float forward_checked();
  void after_step(const StepResult& step);
  void report_progress(const StepResult& step) const;
  double average_recent_loss() const;
  Requests agree_on_requests();
  EpochTotals global_totals();
  double training_seconds() const;
  void caffe_snapshot() const;  // callbacks.on_snapshot
  void final_caffe_snapshot() const;
  EpochMetrics finish_epoch();
  void train_metrics(EpochMetrics& m);
  void validation_metrics(EpochMetrics& m, bool epoch_complete);
  void initialise_from(const InitFromOptions& init);

  TrainConfig config_;
  std::string model_;
  const BatchSource& train_data_;
  const BatchSource* validation_data_;
  std::unique_ptr<TrainTask> own_task_;  // classification when the caller gave no task
  const TrainTask& task_;
  std::unique_ptr<Distribution> distribution_;
  RunLength length_;
  Net net_;
  std::unique_ptr<Net> test_net_;
  SgdSolver solver_;
  LrSchedule schedule_;
  std::unique_ptr<RunDirectory> run_directory_;
  std::unique_ptr<GradientAccumulator> accumulator_;
  std::unique_ptr<TimeLimit> clock_;
  TrainingState state_;
  BatchBuffers batch_buffers_;  // each epoch's pipeline reuses the last one's prefetch batches
  std::unique_ptr<BatchPipeline> pipeline_;
  int64_t pipeline_updates_ = 0;      // updates the current pipeline still holds
  Tensor targets_;                    // the batch's targets, when the source has them
  EpochTotals totals_;                // this rank's, of the current epoch
  double seconds_before_ = 0;         // training time of the runs this one resumes
  double last_snapshot_seconds_ = 0;  // by clock_
  std::deque<double> recent_losses_;  // the last LoopOptions::average_loss updates' losses
};

// Top-1/top-5 over a whole dataset, in batches of the net's batch size (the last one padded),
// filled by `workers` threads of a BatchPipeline (0: synchronously).
TopKCounts evaluate(Net& net, const BatchSource& data, const std::string& logits,
                    const std::function<void(int64_t done, int64_t total)>& progress = {},
                    int workers = 0);

ModelOptions model_options_for(const BatchSource& data, int64_t batch, int64_t width_divisor = 1);

}  // namespace svertka
