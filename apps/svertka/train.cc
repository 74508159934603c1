// svertka train --model M|NET.prototxt (--data PATH | --train-list FILE [--val-list FILE]
//               [--root DIR]) [--epochs --batch --lr --schedule --momentum --weight-decay --seed
//               --out RUN_DIR --resume ...]
// svertka train --recipe RECIPE.toml [options]: the recipe (recipe.h, docs/RECIPES.md) gives the
//               defaults of every option; options given here override it.
// svertka train --solver SOLVER.prototxt --data PATH [--batch --epochs ...]: the Caffe solver gives
//               the net, learning rate policy, momentum, weight decay, max_iter, snapshot and
//               test_interval; the data options stay ours. Caffe's snapshots are written as
//               `caffe train` writes them (PREFIX_iter_N.caffemodel + .solverstate) and
//               --resume PREFIX_iter_N.solverstate continues one (caffe_snapshots.h).
// Trains on an IDX (MNIST / Fashion-MNIST) folder (train-* files for training, t10k-* for
// validation), on image folders (PATH/train/<class>/*.jpg, PATH/val/...) or on list files, the
// images decoded and augmented by worker threads while the net computes. Ctrl-C saves a checkpoint
// and exits; --resume continues exactly. --init-from starts from another run's weights (VGG's
// deeper nets from a trained A, fine-tuning); --seeds 1,2,3 trains one model per seed into
// RUN_DIR/seed<N> and prints the eval command of their ensemble. --task localize trains a box
// regression head beside the classifier on box lists or XML annotations (localize.h), with every
// option above.
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

#include "caffe_snapshots.h"
#include "commands.h"
#include "data_options.h"
#include "device_option.h"
#include "lmdb_data.h"
#include "localize.h"
#include "model_options.h"
#include "preprocessing.h"
#include "progress.h"
#include "recipe.h"
#include "svertka/data/class_subset.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/io/model_loading.h"
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

// The training and validation sets: IDX, images (folders or lists), or boxes (--task localize).
struct TrainData {
  std::unique_ptr<BatchSource> train, validation;
  const ImageBatchSource* train_images = nullptr;
  const ImageBatchSource* validation_images = nullptr;
  const LmdbBatchSource* train_lmdb = nullptr;
  int64_t layer_batch = 0;  // the net's TRAIN Data layer's batch_size; 0: none
  std::optional<InputTransform> record;  // the training transform, recorded with the weights
};

TrainData load_box_data(const TrainArgs& args) {
  const ModelInput input = model_input(args.model, "", Phase::kTrain);
  const ImageSourceOptions options =
      image_source_options(args.image, input.crop, args.mirror, args.mean, input.channels);
  const ImageSourceOptions validation =
      image_source_options(args.image, input.crop, false, args.mean, input.channels);
  TrainData d;
  d.record = image_record(options.transform, args.mean);
  d.train = box_source(args.image.train_list, args.localize.train_xml, args.image, options);
  if (!d.train) throw ParamError("train --task localize needs --train-list (boxes) or --train-xml");
  d.validation = box_source(args.image.val_list, args.localize.val_xml, args.image, validation);
  return d;
}

// The IDX folder's train and test files, both restricted to --class-subset when given.
// Caffe's arithmetic ((pixel - mean) * scale, mirror) when the model is a train_val prototxt whose
// Data layer has a transform_param (as for its LMDBs, and as eval applies it to the snapshots,
// which carry no record; the options given override its fields, --pad does not apply), or when
// --mean none or FILE, --mean-value or --pixel-scale say so (preprocessing.h); else svertka's
// standardisation and shifts.
TrainData load_idx_data(const TrainArgs& args, const std::string& folder) {
  TrainData d;
  const std::optional<Preprocessing> layer = data_layer_preprocessing(args.model, Phase::kTrain);
  const bool mirror = layer && !args.mirror_given ? layer->base->mirror : args.mirror;
  IdxSplit split =
      layer || idx_uses_caffe(args.image, args.mean)
          ? load_idx_split(folder, idx_caffe_transform(
                                       folder, layer ? *layer->base : InputTransform{.channels = 1},
                                       args.image, args.mean, mirror))
          : load_idx_split(folder, {.pad = args.pad, .mirror = args.mirror},
                           parse_mean_subtraction(args.mean));
  if (layer) fmt::print(stderr, "train: {}\n", layer->origin);
  d.record = idx_record(static_cast<const IdxBatchSource&>(*split.train));
  d.record->mirror = mirror;
  d.train = std::move(split.train);
  d.validation = std::move(split.test);
  if (!args.classes.empty()) {
    const std::vector<int64_t> classes = parse_class_subset(args.classes);
    d.train = std::make_unique<ClassSubsetSource>(std::move(d.train), classes);
    d.validation = std::make_unique<ClassSubsetSource>(std::move(d.validation), classes);
  }
  return d;
}

// Caffe LMDBs: --data or the net's Data layers (lmdb_data.h).
TrainData load_lmdb_data(const TrainArgs& args) {
  LmdbData lmdb = open_lmdb_data(args.model, args.data, args.image, args.mirror);
  TrainData d;
  d.train_lmdb = lmdb.train.get();
  d.layer_batch = lmdb.batch;
  d.record = from_caffe_transform(lmdb.train->transform(), lmdb.train->sample_shape()[0]);
  d.record->input_height = lmdb.train->sample_shape()[1];
  d.record->input_width = lmdb.train->sample_shape()[2];
  d.train = std::move(lmdb.train);
  d.validation = std::move(lmdb.validation);
  return d;
}

TrainData load_train_data(const TrainArgs& args) {
  if (args.localize.localize()) return load_box_data(args);
  if (uses_lmdb(args.model, args.data, args.image)) return load_lmdb_data(args);
  if (args.image.train_list.empty() && args.data.empty())
    throw ParamError("train needs --data or --train-list");
  Dataset dataset = open_dataset(dataset_location(args.image, args.data),
                                 {.splits = {DataSplit::kTrain, DataSplit::kVal}});
  if (dataset.is_idx()) return load_idx_data(args, dataset.idx_folder);
  const ModelInput input = model_input(args.model, "", Phase::kTrain);
  const ImageSourceOptions options =
      image_source_options(args.image, input.crop, args.mirror, args.mean, input.channels);
  TrainData d;
  d.record = image_record(options.transform, args.mean);
  auto train = std::make_unique<ImageBatchSource>(std::move(*dataset.train), options);
  d.train_images = train.get();
  if (dataset.val) {
    auto validation = std::make_unique<ImageBatchSource>(std::move(*dataset.val), options);
    d.validation_images = validation.get();
    d.validation = std::move(validation);
  }
  d.train = std::move(train);
  return d;
}

// The net of --model (a zoo name, or a prototxt or ONNX net whose parameters start from their
// fillers, as Caffe's do) shaped for the data, with the box head under --task localize.
TrainNet train_net(const TrainArgs& args, const BatchSource& data) {
  const ModelOptions options = model_options_for(data, args.config.loop.batch);
  ImportedModel model = load_model(args.model, "", {.model = options, .phase = Phase::kTrain});
  TrainNet net{.model = args.model, .spec = std::move(model.spec), .logits = model.logits};
  if (args.localize.localize())
    net.spec =
        add_box_head(std::move(net.spec), net.logits, options.num_classes, args.localize.head());
  return net;
}

// A Caffe solver's net, schedule, SGD settings, length (in iterations: the trainer finds the
// epochs), snapshots and tests.
void apply_solver(TrainArgs& args, bool verbose) {
  const CaffeSolver solver = load_caffe_solver(args.solver);
  TrainConfig& c = args.config;
  args.model = solver.net;
  c.solver = {.schedule = solver.schedule, .sgd = solver.sgd};
  c.loop.epochs = 0;
  if (!args.max_iter_given) c.loop.max_iterations = solver.max_iter;
  c.loop.iter_size = solver.iter_size;
  c.snapshot.interval = solver.snapshot;
  c.validation.test_interval = solver.test_interval;
  c.validation.test_initialization = solver.test_initialization;
  c.loop.average_loss = solver.average_loss;
  c.snapshot.after_train = solver.snapshot_after_train;
  if (args.snapshot_prefix.empty()) args.snapshot_prefix = solver.snapshot_prefix;
  if (solver.random_seed >= 0) c.loop.seed = uint64_t(solver.random_seed);
  // base_lr as the solver file wrote it (a float: 0.01, not 0.009999999776482582).
  if (verbose)
    fmt::print("solver {}: net {}, base_lr {}, max_iter {}, snapshot {}, test_interval {}\n",
               args.solver, solver.net, float(solver.schedule.base_lr), solver.max_iter,
               solver.snapshot, solver.test_interval);
}

void print_data(const TrainArgs& args, const TrainData& data, int workers) {
  const std::string source = data.train_images ? " from " + data.train_images->list().source
                             : data.train_lmdb  ? " from " + data.train_lmdb->path() + " (LMDB, " +
                                                     data.train_lmdb->record_shape().str() +
                                                     (data.train_lmdb->encoded() ? " encoded)" : ")")
                                                : std::string();
  const std::string regression = !args.localize.localize() ? ""
                                 : args.localize.per_class ? "; per-class box regression"
                                                           : "; single-class box regression";
  fmt::print("{} training images of {} classes{}, {} validation images; {} data workers{}\n",
             data.train->size(), data.train->num_classes(), source,
             data.validation ? data.validation->size() : 0, workers, regression);
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

void print_epoch(const EpochMetrics& m, bool validated) {
  const std::string val = validated ? fmt::format("  val top-1/top-5 error {:.2f}% / {:.2f}%",
                                                  100 * m.val_top1_error, 100 * m.val_top5_error)
                                    : std::string("  (no validation set)");
  fmt::print(
      "epoch {:>3}  iter {:>7}  loss {:.4f}  lr {:.3g}  train top-1/top-5 error {:.2f}% / {:.2f}%"
      "{}  {:.0f}s\n",
      m.epoch + 1, m.iteration, m.loss, m.lr, 100 * m.train_top1_error, 100 * m.train_top5_error,
      val, m.seconds);
  std::fflush(stdout);
}

// The callbacks that print (rank 0 calls them) and stop on Ctrl-C.
// `images_per_update`: every rank's samples of one update, the progress bar's unit.
// `hooks` add the caller's own (train_hooks.h).
void set_callbacks(TrainCallbacks& callbacks, ProgressBar& bar, int64_t images_per_update,
                   bool localize, bool validated, const TrainHooks& hooks) {
  callbacks.on_init_from = [](const InitFromReport& report) { print_init_report(report); };
  callbacks.on_test = [](int64_t iteration, const ValidationCounts& counts) {
    fmt::print("\ntest at iteration {}: top-1 error {:.2f}%  top-5 error {:.2f}%\n", iteration,
               100 * counts.top1_error(), 100 * counts.top5_error());
  };
  if (hooks.stop_requested) {
    callbacks.stop_requested = hooks.stop_requested;
  } else {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    callbacks.stop_requested = &interrupt_requested;
  }
  callbacks.on_progress = [&bar, images_per_update, localize, hooks](const TrainProgress& p) {
    const std::string details =
        localize
            ? fmt::format("epoch {}/{} box loss {:.4f}", p.epoch + 1, p.epochs, p.task_measure)
            : fmt::format("epoch {}/{} loss {:.4f} lr {:.2g}", p.epoch + 1, p.epochs, p.loss, p.lr);
    bar.update(p.iteration * images_per_update, p.iterations * images_per_update, details);
    if (hooks.on_progress) hooks.on_progress(p);
  };
  callbacks.on_epoch = [&bar, localize, validated, hooks](const EpochMetrics& m) {
    bar.finish();
    localize ? print_localize_epoch(m, validated) : print_epoch(m, validated);
    if (hooks.on_epoch) hooks.on_epoch(m);
  };
}

void print_result(const TrainArgs& args, const TrainData& data, const TrainResult& result) {
  if (data.train_images) report_skipped("training", data.train_images->bad_images());
  if (data.validation_images) report_skipped("validation", data.validation_images->bad_images());
  if (result.interrupted) {
    fmt::print(
        "interrupted at iteration {}; checkpoint saved in {}/checkpoint.safetensors "
        "(continue with --resume)\n",
        result.state.iteration, args.config.snapshot.out_dir);
    return;
  }
  if (result.nothing_left)
    fmt::print(
        "nothing left to do: the run in {} already finished (iteration {}, epoch {}); the "
        "metrics below are those of its saved weights\n",
        args.config.snapshot.out_dir, result.state.iteration, result.state.epoch);
  if (!data.validation) {
    fmt::print("final: no validation set (give --val-list or a val/ folder)\n");
  } else if (args.localize.localize()) {
    print_localize_final(result.last, data.validation->size());
  } else {
    fmt::print("final: top-1 accuracy {:.2f}%  top-1 error {:.2f}%  top-5 error {:.2f}%\n",
               100 * (1 - result.last.val_top1_error), 100 * result.last.val_top1_error,
               100 * result.last.val_top5_error);
  }
  if (!args.config.snapshot.out_dir.empty())
    fmt::print("weights: {}/weights.safetensors\n", args.config.snapshot.out_dir);
}

// --solver-type, --nesterov and --regularization into the solver's options.
void apply_solver_type(TrainArgs& args) {
  SgdOptions& sgd = args.config.solver.sgd;
  sgd.type = parse_solver_type(args.solver_type);
  if (args.nesterov) {
    if (sgd.type != SolverType::kSgd && sgd.type != SolverType::kNesterov)
      throw ParamError("--nesterov contradicts --solver-type " + args.solver_type);
    sgd.type = SolverType::kNesterov;
  }
  const bool takes_no_momentum =
      sgd.type == SolverType::kAdaGrad || sgd.type == SolverType::kRmsProp;
  if (takes_no_momentum && !args.momentum_given) sgd.momentum = 0;
  sgd.regularization = args.regularization == "L1" ? Regularization::kL1 : Regularization::kL2;
}

// Returns false when interrupted (Ctrl-C).
bool train_on(TrainArgs& args, Communicator& comm, const TrainHooks& hooks) {
  TrainConfig& c = args.config;
  const bool rank0 = comm.rank() == 0;
  c.distribution.communicator = &comm;
  c.distribution.bucket_bytes = static_cast<int64_t>(args.bucket_mb * (1 << 20));
  c.callbacks.after_update = fault_injection(args.debug_fault, comm.rank());
  if (args.threads > 0) omp_set_num_threads(args.threads);
  if (rank0 && comm.size() > 1)
    fmt::print("data parallel ({}): {} ranks x batch {} = global batch {}\n", comm.describe(),
               comm.size(), c.loop.batch, comm.size() * c.loop.batch);
  if (!args.solver.empty()) apply_solver(args, rank0);
  if (args.model.empty()) throw ParamError("train needs --model or --solver");
  if (args.solver.empty()) {
    c.solver.schedule.kind = parse_schedule_kind(args.schedule);
    apply_solver_type(args);
  }

  if (!c.loop.device) c.loop.device = open_named_device(args.device, c.loop.precision);
  const TrainData data = load_train_data(args);
  if (data.layer_batch > 0 && !args.batch_given) c.loop.batch = data.layer_batch;
  if (data.record) c.snapshot.metadata.insert(input_transform_entry(*data.record));
  const bool images = data.train_images || data.train_lmdb || args.localize.localize();
  if (images) {
    c.loop.data_workers = resolved_workers(args.image);
    c.loop.prefetch = args.image.prefetch;
  }
  if (images && rank0) print_data(args, data, c.loop.data_workers);
  TrainNet net = train_net(args, *data.train);
  const NetSpec spec = net.spec;  // what Caffe's snapshots write and read
  const std::string& init = c.init_from.source;
  if (!args.resume_state.empty() && !init.empty())
    throw ParamError("--resume " + args.resume_state + " and --weights " + init +
                     ": give a snapshot to resume or weights to fine-tune, not both (as Caffe)");
  if (init.ends_with(".caffemodel"))  // Caffe's fine-tuning: the layers it has, by name
    c.init_from.tensors = std::make_shared<SafetensorsContents>(
        SafetensorsContents{.tensors = load_caffemodel(init, net.spec, /*present_only=*/true),
                            .path = init});
  std::unique_ptr<TrainTask> task;  // null: classification
  if (args.localize.localize())
    task = std::make_unique<LocalizationTask>(net.logits, args.localize.head());
  ProgressBar bar(args.localize.localize() ? "localize" : "train", "img");
  const int64_t images_per_update = c.loop.batch * c.loop.iter_size * comm.size();
  set_callbacks(c.callbacks, bar, images_per_update, args.localize.localize(),
                data.validation != nullptr, hooks);
  if (rank0 && !args.snapshot_prefix.empty() && (c.snapshot.interval > 0 || c.snapshot.after_train))
    write_caffe_snapshots(args.snapshot_prefix, spec, c.solver.schedule, c.callbacks);
  Trainer trainer(std::move(net), c, *data.train, data.validation.get(), task.get());
  if (!args.resume_state.empty())
    resume_caffe_state(trainer, args.resume_state, spec, c.solver.schedule);
  if (rank0 && c.loop.precision != Precision::kF32)
    fmt::print("precision {}: {}\n", precision_name(c.loop.precision),
               trainer.net().device().describe());
  const TrainResult result = trainer.run();
  if (!rank0) return !result.interrupted;
  bar.finish();
  print_result(args, data, result);
  if (hooks.on_result) hooks.on_result(result);
  return !result.interrupted;
}

// One run, or one per --seeds into OUT/seed<N>, one after another; then the eval command
// (`eval_args`: the recipe and the options shared with eval) of what was trained.
void train_runs(const TrainArgs& args, Communicator& comm, std::vector<std::string> eval_args,
                const TrainHooks& hooks) {
  const bool rank0 = comm.rank() == 0;
  std::string weights;
  if (args.seeds.empty()) {
    TrainArgs run = args;
    if (!train_on(run, comm, hooks)) return;
    weights = args.config.snapshot.out_dir + "/weights.safetensors";
  } else {
    for (const uint64_t seed : args.seeds) {
      TrainArgs run = args;
      run.config.loop.seed = seed;
      run.config.snapshot.out_dir = fmt::format("{}/seed{}", args.config.snapshot.out_dir, seed);
      if (rank0)
        fmt::print("== seed {} of {}: {}\n", seed, args.seeds.size(), run.config.snapshot.out_dir);
      if (!train_on(run, comm, hooks)) return;
      weights += fmt::format("{}{}/weights.safetensors", weights.empty() ? "" : ",",
                             run.config.snapshot.out_dir);
    }
  }
  // A Caffe solver's net is not an option eval would be given.
  if (!rank0 || args.config.snapshot.out_dir.empty() || args.localize.localize() ||
      !args.solver.empty())
    return;
  eval_args.insert(eval_args.begin(), {"svertka", "eval"});
  eval_args.insert(eval_args.end(), {"--weights", weights});
  fmt::print("{}: {}\n", args.seeds.size() > 1 ? "evaluate the ensemble with" : "evaluate with",
             shell_command(eval_args));
}

// --resume alone or with a flag's value (--resume=true, as the Python module passes it): the run
// directory's checkpoint; --resume FILE: a Caffe solver state.
void resolve_resume(const CLI::App& cmd, TrainArgs& args) {
  std::string& value = args.resume_state;
  if (cmd.count("--resume") == 0) return;
  const bool flag_off = value == "false" || value == "0" || value == "off" || value == "no";
  if (value.empty() || value == "true" || value == "1" || value == "on" || value == "yes" ||
      flag_off) {
    args.config.snapshot.resume = !flag_off;
    value.clear();
  }
}

void run_train(const TrainArgs& given, std::vector<std::string> eval_args,
               const TrainHooks& hooks) {
  const CommunicatorOptions options{.timeout_seconds = given.mpi_timeout};
  std::unique_ptr<Communicator> comm = make_communicator(options);
  if (comm->size() == 1) return train_runs(given, *comm, std::move(eval_args), hooks);
  // Several ranks: each opens its device now, so that a backend with a communicator of its own
  // (the GPUs' NCCL) sums the gradients, with MPI carrying its setup.
  TrainArgs args = given;
  if (!args.config.loop.device)
    args.config.loop.device = open_named_device(args.device, args.config.loop.precision);
  comm = make_device_communicator(std::move(comm), *args.config.loop.device, options);
  try {
    train_runs(args, *comm, std::move(eval_args), hooks);
  } catch (const std::exception& e) {
    // The other ranks would wait for this one in their next collective: end them all now.
    std::fprintf(stderr, "svertka (%s): %s; aborting every rank\n", comm->describe().c_str(),
                 e.what());
    std::fflush(stderr);
    comm->abort(1);
  }
}

}  // namespace

void add_train_command(CLI::App& app, TrainHooks hooks) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd =
      app.add_subcommand("train", "Train a model on an IDX folder, image folders or image lists");
  add_train_options(cmd, *args);
  cmd->callback([args, cmd, hooks] {
    // Read before the recipe fills in the rest: what the printed eval command must repeat.
    std::vector<std::string> eval_args = shared_command_line(*cmd, kRecipeTrain, kRecipeEval);
    if (!args->recipe.empty()) {
      apply_recipe(load_recipe(args->recipe), *cmd, kRecipeTrain);
      eval_args.insert(eval_args.begin(), {"--recipe", args->recipe});
    }
    note_given_options(*cmd, args->image);
    args->mirror_given = cmd->get_option("--mirror")->count() > 0;
    if (args->localize.localize()) check_localize_options(*cmd, /*training=*/true);
    resolve_resume(*cmd, *args);
    run_train(*args, std::move(eval_args), hooks);
  });
}

}  // namespace svertka::cli
