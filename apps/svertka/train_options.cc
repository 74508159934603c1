#include "train_options.h"

#include "device_option.h"
#include "option_checks.h"
#include "svertka/dist/communicator.h"
#include "svertka/solver/lr_schedule.h"

namespace svertka::cli {

void add_train_options(CLI::App* cmd, TrainArgs& args) {
  LoopOptions& loop = args.config.loop;
  LrScheduleOptions& schedule = args.config.solver.schedule;
  SgdOptions& sgd = args.config.solver.sgd;
  SnapshotOptions& snapshot = args.config.snapshot;
  snapshot.out_dir = "runs/latest";
  cmd->add_option("--recipe", args.recipe,
                  "Recipe file (TOML, docs/RECIPES.md): its values are the defaults of these "
                  "options; options given here override them");
  cmd->add_option("--model", args.model,
                  "Model name (alexnet_small, lenet, ...) or a .prototxt net");
  cmd->add_option("--solver", args.solver,
                  "Caffe solver .prototxt: its net, lr policy, momentum, weight decay, max_iter, "
                  "snapshot and test_interval replace the corresponding options");
  add_device_option(cmd, args.device);
  cmd->add_option("--data", args.data,
                  "IDX folder (train-*/t10k-* files), image root (train/ and val/ folders) or a "
                  "Caffe LMDB (default with --solver: the net's Data layers' sources)");
  add_precision_option(cmd, loop.precision);
  cmd->add_option("--epochs", loop.epochs, "Epochs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", loop.batch, "Batch size (default with a Caffe Data layer: its batch_size)")
      ->capture_default_str()
      ->each([&args](const std::string&) { args.batch_given = true; })
      ->check(CLI::PositiveNumber);
  cmd->add_option("--iter-size", loop.iter_size, "Batches accumulated per update")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-iter", loop.max_iterations,
                  "Stop after this many updates (0: all epochs; overrides a solver's max_iter)")
      ->each([&args](const std::string&) { args.max_iter_given = true; })
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--time-limit", loop.time_limit_seconds,
                  "Stop after the update that ends this many seconds into training (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--lr", schedule.base_lr, "Base learning rate")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--schedule", args.schedule,
                  "fixed | step | exp | inv | multistep | poly | sigmoid | plateau (Caffe's "
                  "lr_policy formulas)")
      ->capture_default_str()
      ->check(parses_with(parse_schedule_kind, "SCHEDULE"));
  cmd->add_option("--gamma", schedule.gamma,
                  "Factor of each drop (step, exp, multistep, plateau), decay rate (inv), "
                  "steepness (sigmoid)")
      ->capture_default_str()
      ->check(CLI::Number);
  cmd->add_option("--step-size", schedule.step_size,
                  "Iterations between drops (step) or the midpoint (sigmoid); default: "
                  "--step-epochs, else a third of the run (sigmoid: half)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--step-epochs", schedule.step_epochs, "Epochs between drops (step)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--milestones", schedule.milestones, "Iterations of the drops (multistep)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--power", schedule.power, "Exponent (poly, inv)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--patience", schedule.patience,
                  "Validations without improvement before a drop (plateau)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-drops", schedule.max_drops, "Drops at most (plateau)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--solver-type", args.solver_type,
                  "SGD | Nesterov | AdaGrad | RMSProp | AdaDelta | Adam (Caffe's update rules)")
      ->capture_default_str()
      ->check(parses_with(parse_solver_type, "TYPE"));
  cmd->add_option("--momentum", sgd.momentum,
                  "Momentum (SGD, Nesterov), beta1 (Adam), decay (AdaDelta); AdaGrad and RMSProp "
                  "take none (default 0 for them)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0))
      ->each([&args](const std::string&) { args.momentum_given = true; });
  cmd->add_flag("--nesterov", args.nesterov, "Nesterov momentum (--solver-type Nesterov)");
  cmd->add_option("--weight-decay", sgd.weight_decay, "Weight decay")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--regularization", args.regularization, "L2 | L1 (weight decay by sign)")
      ->capture_default_str()
      ->check(CLI::IsMember({"L2", "L1"}));
  cmd->add_option("--delta", sgd.delta,
                  "Added to the denominators (AdaGrad, RMSProp, AdaDelta, Adam)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--momentum2", sgd.momentum2, "Adam's beta2")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--rms-decay", sgd.rms_decay, "RMSProp's decay of the mean square")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--clip-gradients", sgd.clip_gradients,
                  "Scale the gradients down to this global L2 norm when above it (Caffe's "
                  "clip_gradients; <= 0: off)");
  cmd->add_option("--average-loss", loop.average_loss,
                  "The loss shown: the mean of this many updates' (Caffe's average_loss)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI::Option* seed = cmd->add_option("--seed", loop.seed,
                                      "Seed of initialisation, order, augmentation and dropout")
                          ->capture_default_str();
  cmd->add_option("--seeds", args.seeds,
                  "Train one model per seed, one after another, into OUT/seed<N> (an ensemble; "
                  "prints the eval command that averages them)")
      ->delimiter(',')
      ->excludes(seed);
  cmd->add_option("--mean", args.mean,
                  "Mean subtracted: channel (mean pixel), pixel (mean image), none, or (IDX) a "
                  "Caffe mean file FILE.binaryproto; on IDX data none, a file, --mean-value and "
                  "--pixel-scale select Caffe's (pixel - mean) * scale")
      ->capture_default_str()
      ->check(mean_option_check());
  cmd->add_option("--pad", args.pad, "IDX: random shifts up to this many pixels (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--mirror", args.mirror, "Random horizontal flips")->capture_default_str();
  cmd->add_option("--threads", args.threads, "Threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", snapshot.out_dir, "Run directory (checkpoint, weights, metrics)")
      ->capture_default_str();
  cmd->add_option("--resume", args.resume_state,
                  "Continue from RUN_DIR/checkpoint.safetensors; given a file, from a Caffe "
                  ".solverstate (as `caffe train --snapshot`)")
      ->expected(0, 1);
  cmd->add_option("--snapshot-prefix", args.snapshot_prefix,
                  "Write Caffe snapshots, PREFIX_iter_N.caffemodel and .solverstate, every "
                  "--snapshot updates and at the end (default with --solver: its snapshot_prefix)");
  cmd->add_option("--snapshot", snapshot.interval,
                  "Also checkpoint every this many updates (0: after each epoch only)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--snapshot-minutes", snapshot.minutes,
                  "Also checkpoint every this many minutes of training, at the next update (0: "
                  "never), so that a killed run loses at most about this much")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--init-from,--weights", args.config.init_from.source,
                  "Start from these weights (a run directory, weights or checkpoint file, or a "
                  ".caffemodel as `caffe train --weights`): every parameter whose name and shape "
                  "match, or those of --init-layers");
  cmd->add_option("--init-layers", args.config.init_from.layers,
                  "With --init-from: copy exactly these layers (e.g. VGG's conv1_1,conv2_1,"
                  "conv3_1,conv3_2,fc6,fc7,fc8), failing if one is missing or differs in shape")
      ->delimiter(',');
  add_image_data_options(cmd, args.image, /*training=*/true);
  const std::string mpi =
      built_with_mpi() ? "Data parallel (mpirun -np N)" : "Data parallel (this build has no MPI)";
  cmd->add_option("--check-replicas", args.config.distribution.check_replicas_every,
                  "Every this many updates, fail unless all ranks hold bitwise equal weights")
      ->group(mpi);
  cmd->add_option("--bucket-mb", args.bucket_mb, "Gradient bucket size of one allreduce, MiB")
      ->capture_default_str()
      ->group(mpi);
  cmd->add_option("--mpi-timeout", args.mpi_timeout,
                  "Seconds to wait for the other ranks before failing (a rank died or hangs)")
      ->capture_default_str()
      ->group(mpi);
  cmd->add_option("--debug-fault", args.debug_fault,
                  "kill:RANK:ITER or hang:RANK:ITER: that rank dies or hangs after update ITER "
                  "(tests of failure handling)")
      ->group(mpi);
  add_localize_options(cmd, args.localize, /*training=*/true);
  cmd->add_option("--class-subset", args.classes,
                  "IDX: train and validate on these classes only, relabelled 0..k-1 (e.g. 0-4)");
}

}  // namespace svertka::cli
