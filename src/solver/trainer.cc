#include "svertka/solver/trainer.h"

#include <algorithm>
#include <cmath>

#include "solver/distribution.h"
#include "solver/gradient_accumulator.h"
#include "solver/run_directory.h"
#include "solver/time_limit.h"
#include "svertka/blob_names.h"
#include "svertka/dist/shard.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"

namespace svertka {
namespace {

Trainer::RunLength run_length(const LoopOptions& loop, int64_t train_size, int ranks) {
  if (loop.batch <= 0 || loop.iter_size <= 0 || loop.epochs < 0 || loop.max_iterations < 0)
    throw ParamError("batch (" + std::to_string(loop.batch) + ") and iter_size (" +
                     std::to_string(loop.iter_size) + ") must be positive, epochs (" +
                     std::to_string(loop.epochs) + ") and max_iterations (" +
                     std::to_string(loop.max_iterations) + ") not negative");
  if (loop.epochs == 0 && loop.max_iterations == 0)
    throw ParamError("a run of 0 epochs needs max_iterations (how many updates to make)");
  Trainer::RunLength length{};
  length.samples_per_update = loop.batch * loop.iter_size * ranks;
  length.updates_per_epoch = train_size / length.samples_per_update;
  if (length.updates_per_epoch == 0)
    throw ParamError("the training set (" + std::to_string(train_size) +
                     " samples) is smaller than one update (" +
                     std::to_string(length.samples_per_update) + ")");
  length.epochs = loop.epochs > 0 ? loop.epochs
                                  : (loop.max_iterations + length.updates_per_epoch - 1) /
                                        length.updates_per_epoch;
  length.planned = length.updates_per_epoch * length.epochs;
  if (loop.max_iterations > 0) length.planned = std::min(length.planned, loop.max_iterations);
  return length;
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

TrainNet zoo_train_net(const std::string& name, const BatchSource& data, int64_t batch,
                       int64_t width_divisor) {
  return {name, build_model(name, model_options_for(data, batch, width_divisor)),
          model_info(name).logits};
}

Trainer::Trainer(TrainNet net, TrainConfig config, const BatchSource& train_data,
                 const BatchSource* validation_data, const TrainTask* task)
    : config_(std::move(config)),
      model_(std::move(net.model)),
      train_data_(train_data),
      validation_data_(validation_data),
      own_task_(task ? nullptr : std::make_unique<ClassificationTask>(net.logits)),
      task_(task ? *task : *own_task_),
      distribution_(std::make_unique<Distribution>(config_.distribution)),
      length_(run_length(config_.loop, train_data.size(), distribution_->ranks())),
      net_(net.spec, {.phase = Phase::kTrain,
                      .backend = config_.loop.backend,
                      .precision = config_.loop.precision,
                      .device = config_.loop.device,
                      .keep_blobs = task_.keep_blobs(Phase::kTrain)}),
      solver_(net_.params(), config_.solver.sgd, net_.device()),
      schedule_(
          resolve_schedule(config_.solver.schedule, length_.updates_per_epoch, length_.epochs)),
      run_directory_(
          std::make_unique<RunDirectory>(config_.snapshot.out_dir, distribution_->writes(),
                                         config_.snapshot.metadata)),
      accumulator_(std::make_unique<GradientAccumulator>(net_.params(), config_.loop.iter_size,
                                                         net_.device())),
      clock_(std::make_unique<TimeLimit>(config_.loop.time_limit_seconds)),
      state_{.seed = config_.loop.seed,
             .model = model_,
             .run = {.train_samples = train_data.size(),
                     .batch = config_.loop.batch,
                     .iter_size = config_.loop.iter_size,
                     .ranks = distribution_->ranks(),
                     .architecture = architecture_hash(net.spec)}},
      targets_(Shape{config_.loop.batch, train_data.target_width()}) {
  task_.check_data(train_data_, validation_data_);
  net_.init_params(config_.loop.seed);
  if (validation_data_ && config_.validation.enabled) {
    test_net_ =
        std::make_unique<Net>(net.spec, NetOptions{.phase = Phase::kTest,
                                                   .device = net_.shared_device(),
                                                   .keep_blobs = task_.keep_blobs(Phase::kTest)});
    test_net_->share_params_from(net_);
  }
  if (config_.snapshot.resume) {
    if (config_.snapshot.out_dir.empty())
      throw ParamError("--resume needs the run directory (--out)");
    restore(run_directory_->checkpoint_path());
  } else {
    initialise_from(config_.init_from);
  }
  distribution_->attach(net_.params());
}

Trainer::~Trainer() = default;

void Trainer::initialise_from(const InitFromOptions& init) {
  if (init.tensors && distribution_->writes()) {
    const InitFromReport report = init_params_from(net_, *init.tensors, init.layers);
    if (config_.callbacks.on_init_from) config_.callbacks.on_init_from(report);
  } else if (!init.source.empty() && distribution_->writes()) {
    const InitFromReport report =
        init_params_from(net_, load_safetensors(resolve_weights_path(init.source)), init.layers);
    if (config_.callbacks.on_init_from) config_.callbacks.on_init_from(report);
  }
  distribution_->share_from_rank0(net_, solver_, state_);
}

void Trainer::restore(const std::string& checkpoint) {
  if (distribution_->writes()) {
    // Checked before the weights are touched: a mismatch leaves the net as it was.
    state_ = load_checkpoint(checkpoint, net_, solver_, [&](const TrainingState& saved) {
      check_resumable(checkpoint, saved, state_);
    });
  }
  distribution_->share_from_rank0(net_, solver_, state_);
  schedule_.restore(state_.schedule);
  // Rank 0 carries the sums over every rank of the epoch so far; the others start from nothing.
  totals_ = distribution_->writes() ? state_.totals : EpochTotals{.updates = state_.totals.updates};
  seconds_before_ = state_.seconds;
  pipeline_.reset();
}

void Trainer::restore_from(const std::function<int64_t(Net&, SgdSolver&)>& load) {
  if (distribution_->writes()) {
    const int64_t iteration = load(net_, solver_);
    if (iteration < 0)
      throw ParamError("a run cannot resume at iteration " + std::to_string(iteration));
    state_.iteration = iteration;
    state_.epoch = iteration / length_.updates_per_epoch;
    state_.epoch_position = (iteration % length_.updates_per_epoch) * length_.samples_per_update;
    state_.totals = {};
  }
  distribution_->share_from_rank0(net_, solver_, state_);
  totals_ = {};
  pipeline_.reset();
}

void Trainer::snapshot() {
  state_.schedule = schedule_.state();
  state_.totals = global_totals();
  state_.seconds = training_seconds();
  last_snapshot_seconds_ = clock_->elapsed();
  run_directory_->save_checkpoint(net_, solver_, state_);
}

EpochTotals Trainer::global_totals() {
  EpochTotals t = totals_;
  double sums[4] = {t.loss, t.top1, t.top5, t.measure};
  distribution_->sum(sums);
  t.loss = sums[0];
  t.top1 = sums[1];
  t.top5 = sums[2];
  t.measure = sums[3];
  return t;
}

void Trainer::caffe_snapshot() const {
  if (config_.callbacks.on_snapshot && distribution_->writes())
    config_.callbacks.on_snapshot(net_, solver_, state_.iteration);
}

// Caffe's Solve(): after training, unless the last update just snapshotted.
void Trainer::final_caffe_snapshot() const {
  const int64_t interval = config_.snapshot.interval;
  if (config_.snapshot.after_train && (interval <= 0 || state_.iteration % interval != 0))
    caffe_snapshot();
}

double Trainer::training_seconds() const {
  return seconds_before_ + clock_->elapsed();
}

// One collective for both, as the stop alone needed before.
Trainer::Requests Trainer::agree_on_requests() {
  const std::atomic<bool>* stop = config_.callbacks.stop_requested;
  const double minutes = config_.snapshot.minutes;
  const bool snapshot_due = distribution_->writes() && minutes > 0 &&
                            clock_->elapsed() - last_snapshot_seconds_ >= 60 * minutes;
  double flags[2] = {stop && stop->load() ? 1.0 : 0.0, snapshot_due ? 1.0 : 0.0};
  distribution_->sum(flags);
  return {.stop = flags[0] > 0, .snapshot = flags[1] > 0};
}

bool Trainer::epoch_has_room() const {
  return state_.epoch_position + length_.samples_per_update <= train_data_.size();
}

// This epoch's batches, from where it stands to the last update planned in it.
void Trainer::open_epoch() {
  pipeline_.reset();  // its buffers go back before the next pipeline takes them
  if (!epoch_has_room()) {
    ++state_.epoch;
    state_.epoch_position = 0;
  }
  const int64_t updates =
      std::min((train_data_.size() - state_.epoch_position) / length_.samples_per_update,
               length_.planned - state_.iteration);
  if (updates <= 0 || state_.epoch >= length_.epochs)
    throw ParamError("every one of the " + std::to_string(length_.planned) +
                     " planned updates is done");
  const std::vector<int64_t> order =
      epoch_order(train_data_.size(), config_.loop.seed, static_cast<uint64_t>(state_.epoch));
  const auto first = order.begin() + state_.epoch_position;
  std::vector<int64_t> indices(first, first + updates * length_.samples_per_update);
  if (distribution_->ranks() > 1)
    indices =
        shard_for_rank(indices, config_.loop.batch, distribution_->ranks(), distribution_->rank());
  pipeline_ =
      std::make_unique<BatchPipeline>(train_data_, std::move(indices), config_.loop.batch,
                                      PipelineOptions{.workers = config_.loop.data_workers,
                                                      .prefetch = config_.loop.prefetch,
                                                      .augment = true,
                                                      .seed = config_.loop.seed,
                                                      .epoch = static_cast<uint64_t>(state_.epoch),
                                                      .buffers = &batch_buffers_});
  pipeline_updates_ = updates;
}

// The net's loss, or NotFiniteError "training diverged at iteration N: ..." naming the last good
// checkpoint when the loss or a measure (an Accuracy op's scores) is NaN or Inf.
float Trainer::forward_checked() {
  const auto diverged = [&](const std::string& why) {
    return NotFiniteError(
        "training diverged at iteration " + std::to_string(state_.iteration) + ": " + why +
        (run_directory_->dir().empty()
             ? ""
             : "; the last good checkpoint is " + run_directory_->checkpoint_path()));
  };
  float loss = 0;
  try {
    loss = net_.forward();
  } catch (const NotFiniteError& e) {
    throw diverged(e.what());
  }
  if (!std::isfinite(loss)) throw diverged("the loss is " + std::to_string(loss));
  return loss;
}

StepResult Trainer::step() {
  if (!pipeline_ || pipeline_updates_ == 0) open_epoch();
  const int64_t parts = config_.loop.iter_size;
  const int ranks = distribution_->ranks(), rank = distribution_->rank();
  StepResult result{.lr = schedule_.lr(state_.iteration)};
  distribution_->begin_backward();
  for (int64_t part = 0; part < parts; ++part) {
    pipeline_->next(net_.input(kDataBlob), net_.input(kLabelBlob), &targets_);
    task_.before_forward(net_, targets_);
    // Each rank its own dropout masks; one process counts as before.
    net_.set_step(static_cast<uint64_t>((state_.iteration * parts + part) * ranks + rank));
    result.loss += forward_checked() / float(parts);
    result.task_measure += task_.after_forward(net_, targets_) / double(parts);
    // A layer's gradients are final once its backward ran in the last part: accumulated over the
    // parts into the gradient, then (with several ranks) their bucket may start.
    net_.backward([&](int layer) {
      for (int k : net_.layer_params(layer)) {
        accumulator_->add(k, part);
        if (accumulator_->last_part(part)) distribution_->gradient_ready(k);
      }
    });
    totals_.top1 += net_.blob(kAccuracyTop1)[0];
    totals_.top5 += net_.blob(kAccuracyTop5)[0];
    state_.epoch_position += config_.loop.batch * ranks;
  }
  distribution_->finish_backward();
  solver_.step(result.lr, state_.iteration);
  ++state_.iteration;
  --pipeline_updates_;
  totals_.loss += result.loss;
  totals_.measure += result.task_measure;
  ++totals_.updates;
  return result;
}

ValidationCounts Trainer::validate() {
  if (!test_net_) return {};
  Distribution& d = *distribution_;
  const Range part = range_for_rank(validation_data_->size(), d.ranks(), d.rank());
  const ValidationCounts mine =
      task_.validate(*test_net_, *validation_data_, part, config_.loop.data_workers);
  double c[4] = {double(mine.samples), double(mine.top1), double(mine.top5), mine.task_sum};
  d.sum(c);
  return {.samples = int64_t(c[0]), .top1 = int64_t(c[1]), .top5 = int64_t(c[2]), .task_sum = c[3]};
}

void Trainer::after_step(const StepResult& step) {
  const int64_t iteration = state_.iteration;
  distribution_->check_replicas(net_, iteration);
  const TrainCallbacks& callbacks = config_.callbacks;
  if (callbacks.after_update) callbacks.after_update(iteration);
  if (config_.snapshot.interval > 0 && iteration % config_.snapshot.interval == 0) {
    snapshot();
    caffe_snapshot();
  }
  const int64_t test_interval = config_.validation.test_interval;
  if (test_net_ && test_interval > 0 && iteration % test_interval == 0) {
    const ValidationCounts counts = validate();
    if (callbacks.on_test && distribution_->writes()) callbacks.on_test(iteration, counts);
  }
  recent_losses_.push_back(step.loss);
  while (int64_t(recent_losses_.size()) > std::max<int64_t>(1, config_.loop.average_loss))
    recent_losses_.pop_front();
  report_progress(step);
  if (clock_->reached(*distribution_)) length_.planned = iteration;  // ends the epoch and the run
}

double Trainer::average_recent_loss() const {
  double sum = 0;
  for (const double loss : recent_losses_) sum += loss;
  return recent_losses_.empty() ? 0.0 : sum / double(recent_losses_.size());
}

void Trainer::report_progress(const StepResult& step) const {
  if (!config_.callbacks.on_progress || !distribution_->writes()) return;
  config_.callbacks.on_progress({.epoch = state_.epoch,
                                 .epochs = length_.epochs,
                                 .iteration = state_.iteration,
                                 .iterations = length_.planned,
                                 .loss = average_recent_loss(),
                                 .lr = step.lr,
                                 .task_measure = step.task_measure});
}

void Trainer::train_metrics(EpochMetrics& m) {
  const int ranks = distribution_->ranks();
  EpochTotals t = global_totals();
  t.loss /= ranks;
  t.measure /= ranks;
  if (t.updates > 0) {
    m.loss = t.loss / double(t.updates);
    const double batches = double(t.updates * config_.loop.iter_size * ranks);
    m.train_top1_error = 1.0 - t.top1 / batches;
    m.train_top5_error = 1.0 - t.top5 / batches;
  }
  if (!task_.batch_measure().empty())
    m.task.push_back({task_.batch_measure(), t.updates ? t.measure / double(t.updates) : 0.0});
}

void Trainer::validation_metrics(EpochMetrics& m, bool epoch_complete) {
  if (!test_net_) return;
  const ValidationCounts counts = validate();
  m.val_top1_error = counts.top1_error();
  m.val_top5_error = counts.top5_error();
  if (!task_.validation_measure().empty())
    m.task.push_back({task_.validation_measure(), counts.task_mean()});
  if (epoch_complete) schedule_.observe_validation_error(m.val_top1_error);
}

EpochMetrics Trainer::finish_epoch() {
  pipeline_.reset();
  const bool epoch_complete = !epoch_has_room();
  EpochMetrics m{.epoch = state_.epoch,
                 .iteration = state_.iteration,
                 .lr = schedule_.lr(state_.iteration > 0 ? state_.iteration - 1 : 0)};
  train_metrics(m);
  validation_metrics(m, epoch_complete);
  m.seconds = training_seconds();
  if (epoch_complete) {
    ++state_.epoch;
    state_.epoch_position = 0;
    totals_ = {};
  }
  // The line first: a crash before the checkpoint is replaced redoes the epoch's end from the
  // previous checkpoint, and its line replaces this one.
  run_directory_->record_epoch(m);
  snapshot();
  if (config_.callbacks.on_epoch && distribution_->writes()) config_.callbacks.on_epoch(m);
  return m;
}

TrainResult Trainer::run() {
  TrainResult result;
  clock_->start();
  last_snapshot_seconds_ = 0;
  if (state_.iteration >= length_.planned || state_.epoch >= length_.epochs) {
    // A finished run resumed: nothing to train; the metrics are those of the saved weights.
    result.nothing_left = true;
    result.last = {.epoch = std::max<int64_t>(state_.epoch - 1, 0), .iteration = state_.iteration};
    validation_metrics(result.last, false);
  }
  if (state_.iteration == 0 && test_net_ && config_.validation.test_interval > 0 &&
      config_.validation.test_initialization) {
    const ValidationCounts counts = validate();
    if (config_.callbacks.on_test && distribution_->writes()) config_.callbacks.on_test(0, counts);
  }
  while (state_.iteration < length_.planned && state_.epoch < length_.epochs) {
    while (epoch_has_room() && state_.iteration < length_.planned) {
      const Requests requests = agree_on_requests();  // every rank acts at the same update
      if (requests.stop) {
        snapshot();
        final_caffe_snapshot();
        result.interrupted = true;
        result.state = state_;
        return result;
      }
      if (requests.snapshot) snapshot();
      after_step(step());
    }
    result.last = finish_epoch();
  }
  if (config_.snapshot.after_train) run_directory_->save_weights(net_);
  if (!result.nothing_left) final_caffe_snapshot();
  result.state = state_;
  return result;
}

}  // namespace svertka
