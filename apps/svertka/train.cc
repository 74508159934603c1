// svertka train --model M|NET.prototxt (--data PATH | --train-list FILE [--val-list FILE]
//               [--root DIR]) [--epochs --batch --lr --schedule --momentum --weight-decay --seed
//               --out RUN_DIR --resume ...]
// svertka train --solver SOLVER.prototxt --data PATH [--batch --epochs ...]: the Caffe solver gives
//               the net, learning rate policy, momentum, weight decay, max_iter, snapshot and
//               test_interval; the data options stay ours.
// Trains on an IDX (MNIST / Fashion-MNIST) folder (train-* files for training, t10k-* for
// validation), on image folders (PATH/train/<class>/*.jpg, PATH/val/...) or on list files, the
// images decoded and augmented by worker threads while the net computes. Ctrl-C saves a checkpoint
// and exits; --resume continues exactly.
//
// Under `mpirun -np N` every rank trains on its shard of each global batch (N x --batch) and the
// gradients are averaged (docs/DISTRIBUTED.md); rank 0 prints, checkpoints and writes metrics. An
// error on one rank ends the whole run (MPI_Abort) after printing which rank failed and why.
#include <fmt/format.h>
#include <omp.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "commands.h"
#include "data_options.h"
#include "localize.h"
#include "model_options.h"
#include "progress.h"
#include "svertka/data/class_subset.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {
namespace {

std::atomic<bool> interrupt_requested{false};
extern "C" void on_interrupt(int) {
  interrupt_requested = true;
}

struct TrainArgs {
  TrainConfig config;
  std::string data;
  std::string schedule = "step";
  double lr = 0.01;
  double gamma = 0.1;
  int64_t step_size = 0;  // iterations; 0: a third of the run
  std::vector<int64_t> milestones;
  double power = 1.0;
  std::string mean = "channel";
  int64_t pad = 2;
  bool mirror = true;
  int threads = 0;
  ImageDataArgs image;
  std::string solver;
  double mpi_timeout = 600;
  double bucket_mb = 8;
  std::string debug_fault;  // "kill:RANK:ITER" or "hang:RANK:ITER" (tests of failure handling)
  LocalizeArgs localize;
  std::string classes;
};

// --debug-fault: the rank dies (SIGKILL, as a crash would) or stops answering after an update.
std::function<void(int64_t)> fault_injection(const std::string& spec, int rank) {
  if (spec.empty()) return {};
  const auto first = spec.find(':'), second = spec.find(':', first + 1);
  const std::string kind = spec.substr(0, first);
  if (second == std::string::npos || (kind != "kill" && kind != "hang"))
    throw ParamError("--debug-fault wants kill:RANK:ITER or hang:RANK:ITER, not '" + spec + "'");
  const int fault_rank = std::stoi(spec.substr(first + 1, second - first - 1));
  const int64_t iteration = std::stoll(spec.substr(second + 1));
  return [=](int64_t done) {
    if (rank != fault_rank || done != iteration) return;
    std::fflush(stdout);
    if (kind == "kill") std::raise(SIGKILL);
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  };
}

// The training and validation sets: IDX, or images (folders or lists).
struct TrainData {
  std::unique_ptr<BatchSource> train, validation;
  const ImageBatchSource* train_images = nullptr;
  const ImageBatchSource* validation_images = nullptr;
};

TrainData load_train_data(const TrainArgs& args) {
  TrainData d;
  if (args.image.train_list.empty()) {
    if (args.data.empty()) throw ParamError("train needs --data or --train-list");
    if (is_idx_folder(args.data)) {
      IdxSplit split = load_idx_split(args.data, {.pad = args.pad, .mirror = args.mirror},
                                      parse_mean_subtraction(args.mean));
      d.train = std::move(split.train);
      d.validation = std::move(split.test);
      if (!args.classes.empty()) {
        const std::vector<int64_t> classes = parse_class_subset(args.classes);
        d.train = std::make_unique<ClassSubsetSource>(std::move(d.train), classes);
        d.validation = std::make_unique<ClassSubsetSource>(std::move(d.validation), classes);
      }
      return d;
    }
  }
  const int64_t crop = default_crop(args.config.model);
  const ImageSourceOptions options = image_source_options(args.image, crop, args.mirror, args.mean);
  auto train_list = find_image_list(args.image, args.data, /*train=*/true, false);
  if (!train_list)
    throw NotFoundError("no training images: '" + args.data +
                        "' holds neither IDX files nor a train/ image folder");
  auto train = std::make_unique<ImageBatchSource>(std::move(*train_list), options);
  d.train_images = train.get();
  if (auto val_list = find_image_list(args.image, args.data, /*train=*/false, false)) {
    auto validation = std::make_unique<ImageBatchSource>(std::move(*val_list), options);
    d.validation_images = validation.get();
    d.validation = std::move(validation);
  }
  d.train = std::move(train);
  return d;
}

// A prototxt or ONNX net (from --model or the solver's `net`) built for the data's shapes; its
// parameters start from their fillers, as Caffe's do.
void use_model_file(TrainConfig& c) {
  const ImportedModel model = resolve_model(c.model, {}, Phase::kTrain);
  c.logits = model.logits;
  const NetSpec spec = model.spec;
  c.build_net = [spec, logits = model.logits](const ModelOptions& options) {
    return adapt_to_data(spec, logits, options);
  };
}

void apply_solver(TrainArgs& args, int64_t train_size, bool verbose) {
  const CaffeSolver solver = load_caffe_solver(args.solver);
  TrainConfig& c = args.config;
  c.model = solver.net;
  c.schedule = solver.schedule;
  c.sgd = solver.sgd;
  c.max_iterations = solver.max_iter;
  c.iter_size = solver.iter_size;
  c.snapshot_interval = solver.snapshot;
  c.test_interval = solver.test_interval;
  if (solver.random_seed >= 0) c.seed = uint64_t(solver.random_seed);
  // Enough epochs to reach max_iter; poly decays to zero at max_iter as in Caffe.
  const int64_t per_epoch = std::max<int64_t>(1, train_size / (c.batch * c.iter_size));
  c.epochs = (solver.max_iter + per_epoch - 1) / per_epoch;
  if (c.schedule.kind == LrScheduleOptions::Kind::kPoly && solver.max_iter % per_epoch != 0)
    throw ParamError(args.solver + ": lr_policy \"poly\" needs max_iter (" +
                     std::to_string(solver.max_iter) + ") to be a whole number of epochs of " +
                     std::to_string(per_epoch) + " iterations at this batch size");
  if (verbose)
    fmt::print("solver {}: net {}, base_lr {}, max_iter {}, snapshot {}, test_interval {}\n",
               args.solver, solver.net, solver.schedule.base_lr, solver.max_iter, solver.snapshot,
               solver.test_interval);
}

void train_on(TrainArgs& args, Communicator& comm) {
  TrainConfig& c = args.config;
  const bool rank0 = comm.rank() == 0;
  c.communicator = &comm;
  c.bucket_bytes = static_cast<int64_t>(args.bucket_mb * (1 << 20));
  c.after_update = fault_injection(args.debug_fault, comm.rank());
  if (args.threads > 0) omp_set_num_threads(args.threads);
  if (rank0 && comm.size() > 1)
    fmt::print("data parallel over MPI: {} ranks x batch {} = global batch {}\n", comm.size(),
               c.batch, comm.size() * c.batch);
  if (args.localize.localize())
    return run_localize_train({c, args.image, args.localize, args.mean, args.schedule, args.lr,
                               args.gamma, args.step_size, args.mirror});

  const TrainData data = load_train_data(args);
  if (data.train_images && rank0) {
    c.data_workers = resolved_workers(args.image);
    c.prefetch = args.image.prefetch;
    fmt::print("{} training images of {} classes from {}, {} validation images; {} data workers\n",
               data.train->size(), data.train->num_classes(), data.train_images->list().source,
               data.validation ? data.validation->size() : 0, c.data_workers);
  }
  if (!args.solver.empty()) {
    apply_solver(args, data.train->size() / comm.size(), rank0);
  } else {
    if (c.model.empty()) throw ParamError("train needs --model or --solver");
    c.schedule.kind = parse_schedule_kind(args.schedule);
    c.schedule.base_lr = args.lr;
    c.schedule.gamma = args.gamma;
    c.schedule.milestones = args.milestones;
    c.schedule.power = args.power;
    const int64_t updates = data.train->size() / (c.batch * c.iter_size * comm.size()) * c.epochs;
    c.schedule.step_size = args.step_size > 0 ? args.step_size : std::max<int64_t>(1, updates / 3);
  }
  if (is_model_file(c.model)) use_model_file(c);
  c.on_test = [](int64_t iteration, const TopKCounts& counts) {
    fmt::print("\ntest at iteration {}: top-1 error {:.2f}%  top-5 error {:.2f}%\n", iteration,
               100 * counts.top1_error(), 100 * counts.top5_error());
  };

  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  c.stop_requested = &interrupt_requested;
  ProgressBar bar("train");
  c.on_progress = [&](const TrainProgress& p) {
    bar.update(
        double(p.iteration) / double(p.iterations), p.images_per_second, "img",
        fmt::format("epoch {}/{} loss {:.4f} lr {:.2g}", p.epoch + 1, p.epochs, p.loss, p.lr),
        p.eta_seconds);
  };
  c.on_epoch = [&](const EpochMetrics& m) {
    bar.finish();
    const std::string val = data.validation
                                ? fmt::format("  val top-1/top-5 error {:.2f}% / {:.2f}%",
                                              100 * m.val_top1_error, 100 * m.val_top5_error)
                                : std::string("  (no validation set)");
    fmt::print(
        "epoch {:>3}  iter {:>7}  loss {:.4f}  lr {:.3g}  train top-1/top-5 error {:.2f}% / {:.2f}%"
        "{}  {:.0f}s\n",
        m.epoch + 1, m.iteration, m.loss, m.lr, 100 * m.train_top1_error, 100 * m.train_top5_error,
        val, m.seconds);
    std::fflush(stdout);
  };
  const TrainResult result = train(c, *data.train, data.validation.get());
  if (!rank0) return;
  bar.finish();
  if (data.train_images) report_skipped("training", data.train_images->bad_images());
  if (data.validation_images) report_skipped("validation", data.validation_images->bad_images());
  if (result.interrupted) {
    fmt::print(
        "interrupted at iteration {}; checkpoint saved in {}/checkpoint.safetensors "
        "(continue with --resume)\n",
        result.state.iteration, c.out_dir);
    return;
  }
  if (!data.validation) {
    fmt::print("final: no validation set (give --val-list or a val/ folder)\n");
  } else {
    fmt::print("final: top-1 accuracy {:.2f}%  top-1 error {:.2f}%  top-5 error {:.2f}%\n",
               100 * (1 - result.last.val_top1_error), 100 * result.last.val_top1_error,
               100 * result.last.val_top5_error);
  }
  if (!c.out_dir.empty()) fmt::print("weights: {}/weights.safetensors\n", c.out_dir);
}

void run_train(TrainArgs& args) {
  const std::unique_ptr<Communicator> comm =
      make_communicator({.timeout_seconds = args.mpi_timeout});
  if (comm->size() == 1) return train_on(args, *comm);
  try {
    train_on(args, *comm);
  } catch (const std::exception& e) {
    // The other ranks would wait for this one in their next collective: end them all now.
    std::fprintf(stderr, "svertka (%s): %s; aborting every rank\n", comm->describe().c_str(),
                 e.what());
    std::fflush(stderr);
    comm->abort(1);
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  TrainConfig& c = args->config;
  c.out_dir = "runs/latest";
  CLI::App* cmd =
      app.add_subcommand("train", "Train a model on an IDX folder, image folders or image lists");
  cmd->add_option("--model", c.model, "Model name (alexnet_small, lenet, ...) or a .prototxt net");
  cmd->add_option("--solver", args->solver,
                  "Caffe solver .prototxt: its net, lr policy, momentum, weight decay, max_iter, "
                  "snapshot and test_interval replace the corresponding options");
  cmd->add_option("--data", args->data,
                  "IDX folder (train-*/t10k-* files) or image root (train/ and val/ folders)");
  cmd->add_option("--epochs", c.epochs, "Epochs")->capture_default_str();
  cmd->add_option("--batch", c.batch, "Batch size")->capture_default_str();
  cmd->add_option("--iter-size", c.iter_size, "Batches accumulated per update")
      ->capture_default_str();
  cmd->add_option("--max-iter", c.max_iterations, "Stop after this many updates (0: all epochs)");
  cmd->add_option("--time-limit", c.time_limit_seconds,
                  "Stop after the update that ends this many seconds into training (0: none)");
  cmd->add_option("--lr", args->lr, "Base learning rate")->capture_default_str();
  cmd->add_option("--schedule", args->schedule, "fixed | step | multistep | poly | plateau")
      ->capture_default_str();
  cmd->add_option("--gamma", args->gamma, "Factor of each drop (step, multistep, plateau)")
      ->capture_default_str();
  cmd->add_option("--step-size", args->step_size,
                  "Iterations between drops (step; default: a third of the run)");
  cmd->add_option("--milestones", args->milestones, "Iterations of the drops (multistep)")
      ->delimiter(',');
  cmd->add_option("--power", args->power, "Exponent (poly)")->capture_default_str();
  cmd->add_option("--momentum", c.sgd.momentum, "Momentum")->capture_default_str();
  cmd->add_flag("--nesterov", c.sgd.nesterov, "Nesterov momentum");
  cmd->add_option("--weight-decay", c.sgd.weight_decay, "L2 weight decay")->capture_default_str();
  cmd->add_option("--seed", c.seed, "Seed of initialisation, order, augmentation and dropout")
      ->capture_default_str();
  cmd->add_option("--mean", args->mean,
                  "Mean subtracted: channel (mean pixel), pixel (mean image) or none (images)")
      ->capture_default_str();
  cmd->add_option("--pad", args->pad, "IDX: random shifts up to this many pixels (0: none)")
      ->capture_default_str();
  cmd->add_option("--mirror", args->mirror, "Random horizontal flips")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (default: all cores)");
  cmd->add_option("--out", c.out_dir, "Run directory (checkpoint, weights, metrics)")
      ->capture_default_str();
  cmd->add_flag("--resume", c.resume, "Continue from RUN_DIR/checkpoint.safetensors");
  cmd->add_option("--snapshot", c.snapshot_interval,
                  "Also checkpoint every this many updates (0: after each epoch only)");
  add_image_data_options(cmd, args->image, /*training=*/true);
  const std::string mpi =
      built_with_mpi() ? "Data parallel (mpirun -np N)" : "Data parallel (this build has no MPI)";
  cmd->add_option("--check-replicas", c.check_replicas_every,
                  "Every this many updates, fail unless all ranks hold bitwise equal weights")
      ->group(mpi);
  cmd->add_option("--bucket-mb", args->bucket_mb, "Gradient bucket size of one allreduce, MiB")
      ->capture_default_str()
      ->group(mpi);
  cmd->add_option("--mpi-timeout", args->mpi_timeout,
                  "Seconds to wait for the other ranks before failing (a rank died or hangs)")
      ->capture_default_str()
      ->group(mpi);
  cmd->add_option("--debug-fault", args->debug_fault,
                  "kill:RANK:ITER or hang:RANK:ITER: that rank dies or hangs after update ITER "
                  "(tests of failure handling)")
      ->group(mpi);
  add_localize_options(cmd, args->localize, /*training=*/true);
  cmd->add_option("--class-subset", args->classes,
                  "IDX: train and validate on these classes only, relabelled 0..k-1 (e.g. 0-4)");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace svertka::cli
