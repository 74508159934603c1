// `svertka train` and `svertka eval` as the CLI registers them: the options' defaults are the
// library's, and --task localize rejects the options it cannot honour instead of ignoring them.
#include <gtest/gtest.h>

#include <algorithm>

#include "commands.h"
#include "op_test_helpers.h"
#include "svertka/error.h"
#include "svertka/solver/lr_schedule.h"
#include "train_options.h"

namespace svertka::testing {
namespace {

// The whole CLI, as main.cc registers it: parsing runs the command.
void run_cli(std::vector<std::string> args) {
  CLI::App app;
  cli::add_train_command(app);
  cli::add_eval_command(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
}

TEST(TrainCommand, OptionDefaultsAreTheLibrarys) {
  CLI::App app;
  cli::TrainArgs args;
  cli::add_train_options(app.add_subcommand("train"), args);
  std::vector<std::string> command_line{"train"};
  app.parse(command_line);
  const TrainConfig library;
  const LrScheduleOptions& schedule = args.config.solver.schedule;
  EXPECT_EQ(parse_schedule_kind(args.schedule), library.solver.schedule.kind);
  EXPECT_EQ(schedule.base_lr, library.solver.schedule.base_lr);
  EXPECT_EQ(schedule.gamma, library.solver.schedule.gamma);
  EXPECT_EQ(schedule.step_size, library.solver.schedule.step_size);
  EXPECT_EQ(schedule.step_epochs, library.solver.schedule.step_epochs);
  EXPECT_EQ(schedule.milestones, library.solver.schedule.milestones);
  EXPECT_EQ(schedule.power, library.solver.schedule.power);
  EXPECT_EQ(schedule.patience, library.solver.schedule.patience);
  EXPECT_EQ(schedule.max_drops, library.solver.schedule.max_drops);
  EXPECT_EQ(args.config.solver.sgd.momentum, library.solver.sgd.momentum);
  EXPECT_EQ(args.config.solver.sgd.weight_decay, library.solver.sgd.weight_decay);
  EXPECT_EQ(args.config.loop.epochs, library.loop.epochs);
  EXPECT_EQ(args.config.loop.batch, library.loop.batch);
  EXPECT_EQ(args.config.loop.iter_size, library.loop.iter_size);
  EXPECT_EQ(args.config.loop.seed, library.loop.seed);
  EXPECT_EQ(args.config.snapshot.interval, library.snapshot.interval);
  EXPECT_EQ(args.config.snapshot.minutes, library.snapshot.minutes);
}

TEST(TrainCommand, LocalizeRejectsTheOptionsItCannotHonour) {
  const std::vector<std::string> localize{"train",
                                          "--task",
                                          "localize",
                                          "--model",
                                          "alexnet_small",
                                          "--train-list",
                                          "/nonexistent/boxes.txt"};
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--data", "/nonexistent"},
                                                {"--pad", "1"},
                                                {"--class-subset", "0-4"},
                                                {"--skip-bad"}}) {
    std::vector<std::string> args = localize;
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string expected = "cannot honour " + extra[0];
    SVERTKA_EXPECT_THROW_WITH(run_cli(args), ParamError, expected.c_str());
  }
  SVERTKA_EXPECT_THROW_WITH(run_cli({"train", "--task", "locate", "--model", "lenet"}),
                            CLI::ValidationError, "locate");
}

TEST(TrainCommand, LocalizeEvalRejectsEnsemblesAndOtherViews) {
  SVERTKA_EXPECT_THROW_WITH(
      run_cli({"eval", "--task", "localize", "--model", "alexnet_small", "--weights",
               "a.safetensors,b.safetensors", "--val-list", "/nonexistent/boxes.txt"}),
      ParamError, "ensembles");
  SVERTKA_EXPECT_THROW_WITH(
      run_cli({"eval", "--task", "localize", "--model", "alexnet_small", "--weights",
               "a.safetensors", "--val-list", "/nonexistent/boxes.txt", "--crops", "10"}),
      ParamError, "cannot honour --crops");
}

}  // namespace
}  // namespace svertka::testing
