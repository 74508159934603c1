// svertka train --model M|NET.prototxt (--data PATH | --train-list FILE [--val-list FILE]
//               [--root DIR]) [--epochs --batch --lr --schedule --momentum --weight-decay --seed
//               --out RUN_DIR --resume ...]
// svertka train --recipe RECIPE.toml [options]: the recipe (recipe.h, docs/RECIPES.md) gives the
//               defaults of every option; options given here override it.
// svertka train --solver SOLVER.prototxt --data PATH [--batch --epochs ...]: the Caffe solver gives
//               the net, learning rate policy, momentum, weight decay, max_iter, snapshot and
//               test_interval; the data options stay ours.
// Trains on an IDX (MNIST / Fashion-MNIST) folder (train-* files for training, t10k-* for
// validation), on image folders (PATH/train/<class>/*.jpg, PATH/val/...) or on list files, the
// images decoded and augmented by worker threads while the net computes. Ctrl-C saves a checkpoint
// and exits; --resume continues exactly. --init-from starts from another run's weights (VGG's
// deeper nets from a trained A, fine-tuning); --seeds 1,2,3 trains one model per seed into
// RUN_DIR/seed<N> and prints the eval command of their ensemble.
//
// Under `mpirun -np N` every rank trains on its shard of each global batch (N x --batch) and the
// gradients are averaged (docs/DISTRIBUTED.md); rank 0 prints, checkpoints and writes metrics. An
// error on one rank ends the whole run (MPI_Abort) after printing which rank failed and why.
#include <fmt/format.h>
#include <omp.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <thread>

#include "commands.h"
#include "data_options.h"
#include "localize.h"
#include "model_options.h"
#include "progress.h"
#include "recipe.h"
#include "svertka/data/class_subset.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/solver/trainer.h"
#include "train_options.h"

namespace svertka::cli {
namespace {

std::atomic<bool> interrupt_requested{false};
extern "C" void on_interrupt(int) {
  interrupt_requested = true;
}

// --debug-fault: the rank dies (SIGKILL, as a crash would) or stops answering after an update.
std::function<void(int64_t)> fault_injection(const std::string& spec, int rank) {
  if (spec.empty()) return {};
  const auto first = spec.find(':'), second = spec.find(':', first + 1);
  const std::string kind = spec.substr(0, first);
  const auto parse = [&](size_t begin, size_t end, auto& value) {  // the whole of spec[begin, end)
    const char* last = spec.data() + std::min(end, spec.size());
    const auto [stop, error] = std::from_chars(spec.data() + begin, last, value);
    return error == std::errc() && stop == last && begin < end;
  };
  int fault_rank = 0;
  int64_t iteration = 0;
  if (second == std::string::npos || (kind != "kill" && kind != "hang") ||
      !parse(first + 1, second, fault_rank) || !parse(second + 1, spec.size(), iteration))
    throw ParamError("--debug-fault wants kill:RANK:ITER or hang:RANK:ITER, not '" + spec + "'");
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
  const ModelInput input = model_input(args.config.model, "", Phase::kTrain);
  const ImageSourceOptions options =
      image_source_options(args.image, input.crop, args.mirror, args.mean, input.channels);
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

// What --init-from copied, and what it left at the fillers' values and why.
void print_init_report(const InitFromReport& report) {
  fmt::print("initialised from {}: {} tensors copied, {} left at their initial values\n",
             report.source, report.copied.size(), report.skipped.size());
  for (const std::string& name : report.copied) fmt::print("  copied   {}\n", name);
  for (const InitFromReport::Skipped& s : report.skipped)
    fmt::print("  initial  {} ({})\n", s.name, s.reason);
  std::fflush(stdout);
}

// Returns false when interrupted (Ctrl-C).
bool train_on(TrainArgs& args, Communicator& comm) {
  TrainConfig& c = args.config;
  const bool rank0 = comm.rank() == 0;
  c.communicator = &comm;
  c.bucket_bytes = static_cast<int64_t>(args.bucket_mb * (1 << 20));
  c.after_update = fault_injection(args.debug_fault, comm.rank());
  if (args.threads > 0) omp_set_num_threads(args.threads);
  if (rank0 && comm.size() > 1)
    fmt::print("data parallel over MPI: {} ranks x batch {} = global batch {}\n", comm.size(),
               c.batch, comm.size() * c.batch);
  if (args.localize.localize()) {
    run_localize_train({c, args.image, args.localize, args.mean, args.schedule, args.lr, args.gamma,
                        args.step_size, args.mirror});
    return true;
  }

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
    c.schedule.patience = args.patience;
    c.schedule.max_drops = args.max_drops;
    const int64_t per_epoch = data.train->size() / (c.batch * c.iter_size * comm.size());
    int64_t step_size = args.step_size;
    if (step_size == 0)
      step_size = args.step_epochs > 0 ? args.step_epochs * per_epoch : per_epoch * c.epochs / 3;
    c.schedule.step_size = std::max<int64_t>(1, step_size);
  }
  if (is_model_file(c.model)) use_model_file(c);
  c.on_init_from = [](const InitFromReport& report) { print_init_report(report); };
  c.on_test = [](int64_t iteration, const TopKCounts& counts) {
    fmt::print("\ntest at iteration {}: top-1 error {:.2f}%  top-5 error {:.2f}%\n", iteration,
               100 * counts.top1_error(), 100 * counts.top5_error());
  };

  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  c.stop_requested = &interrupt_requested;
  ProgressBar bar("train", "img");
  c.on_progress = [&](const TrainProgress& p) {
    const int64_t images = c.batch * c.iter_size * comm.size();  // per update
    bar.update(
        p.iteration * images, p.iterations * images,
        fmt::format("epoch {}/{} loss {:.4f} lr {:.2g}", p.epoch + 1, p.epochs, p.loss, p.lr));
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
  if (!rank0) return !result.interrupted;
  bar.finish();
  if (data.train_images) report_skipped("training", data.train_images->bad_images());
  if (data.validation_images) report_skipped("validation", data.validation_images->bad_images());
  if (result.interrupted) {
    fmt::print(
        "interrupted at iteration {}; checkpoint saved in {}/checkpoint.safetensors "
        "(continue with --resume)\n",
        result.state.iteration, c.out_dir);
    return false;
  }
  if (!data.validation) {
    fmt::print("final: no validation set (give --val-list or a val/ folder)\n");
  } else {
    fmt::print("final: top-1 accuracy {:.2f}%  top-1 error {:.2f}%  top-5 error {:.2f}%\n",
               100 * (1 - result.last.val_top1_error), 100 * result.last.val_top1_error,
               100 * result.last.val_top5_error);
  }
  if (!c.out_dir.empty()) fmt::print("weights: {}/weights.safetensors\n", c.out_dir);
  return true;
}

// One run, or one per --seeds into OUT/seed<N>, one after another; then the eval command
// (`eval_args`: the recipe and the options shared with eval) of what was trained.
void train_runs(const TrainArgs& args, Communicator& comm, std::vector<std::string> eval_args) {
  const bool rank0 = comm.rank() == 0;
  std::string weights;
  if (args.seeds.empty()) {
    TrainArgs run = args;
    if (!train_on(run, comm)) return;
    weights = args.config.out_dir + "/weights.safetensors";
  } else {
    for (const uint64_t seed : args.seeds) {
      TrainArgs run = args;
      run.config.seed = seed;
      run.config.out_dir = fmt::format("{}/seed{}", args.config.out_dir, seed);
      if (rank0) fmt::print("== seed {} of {}: {}\n", seed, args.seeds.size(), run.config.out_dir);
      if (!train_on(run, comm)) return;
      weights +=
          fmt::format("{}{}/weights.safetensors", weights.empty() ? "" : ",", run.config.out_dir);
    }
  }
  // A Caffe solver's net is not an option eval would be given.
  if (!rank0 || args.config.out_dir.empty() || args.localize.localize() || !args.solver.empty())
    return;
  eval_args.insert(eval_args.begin(), {"svertka", "eval"});
  eval_args.insert(eval_args.end(), {"--weights", weights});
  fmt::print("{}: {}\n", args.seeds.size() > 1 ? "evaluate the ensemble with" : "evaluate with",
             shell_command(eval_args));
}

void run_train(const TrainArgs& args, std::vector<std::string> eval_args) {
  const std::unique_ptr<Communicator> comm =
      make_communicator({.timeout_seconds = args.mpi_timeout});
  if (comm->size() == 1) return train_runs(args, *comm, std::move(eval_args));
  try {
    train_runs(args, *comm, std::move(eval_args));
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
  CLI::App* cmd =
      app.add_subcommand("train", "Train a model on an IDX folder, image folders or image lists");
  add_train_options(cmd, *args);
  cmd->callback([args, cmd] {
    // Read before the recipe fills in the rest: what the printed eval command must repeat.
    std::vector<std::string> eval_args = shared_command_line(*cmd, kRecipeTrain, kRecipeEval);
    if (!args->recipe.empty()) {
      apply_recipe(load_recipe(args->recipe), *cmd, kRecipeTrain);
      eval_args.insert(eval_args.begin(), {"--recipe", args->recipe});
    }
    run_train(*args, std::move(eval_args));
  });
}

}  // namespace svertka::cli
