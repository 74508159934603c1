// svertka svm --train FEATS --test FEATS [--c C | --c-search] [--no-normalize] [--save MODEL]
// One-vs-rest linear SVMs (liblinear) on feature files from `svertka extract`: test accuracy, and
// the model in liblinear's format.
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "svertka/transfer/linear_svm.h"

namespace svertka::cli {
namespace {

struct SvmArgs {
  std::string train, test, save = "svm.model";
  SvmOptions options;
  bool no_normalize = false;
};

void run_svm(SvmArgs args) {
  args.options.l2_normalize = !args.no_normalize;
  const FeatureSet train = load_features(args.train);
  const FeatureSet test = load_features(args.test);
  fmt::print("train {} x {}, test {} x {}{}\n", train.size(), train.dim(), test.size(), test.dim(),
             args.options.l2_normalize ? ", L2-normalised" : "");
  const auto start = std::chrono::steady_clock::now();
  const LinearSvm svm(train, args.options);
  for (size_t i = 0; i < svm.cv_accuracy().size(); ++i)
    fmt::print("C {:<8g} {}-fold cross-validation accuracy {:.2f}%\n", args.options.c_grid[i],
               args.options.folds, 100 * svm.cv_accuracy()[i]);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("C {:g}: train accuracy {:.2f}%, test accuracy {:.2f}% ({:.1f}s)\n", svm.c(),
             100 * svm.accuracy(train), 100 * svm.accuracy(test), seconds);
  if (!args.save.empty()) {
    svm.save(args.save);
    fmt::print("model: {}\n", args.save);
  }
}

}  // namespace

void add_svm_command(CLI::App& app) {
  auto args = std::make_shared<SvmArgs>();
  CLI::App* cmd = app.add_subcommand("svm", "Linear SVM (liblinear) on extracted features");
  cmd->add_option("--train", args->train, "Training feature file (.safetensors or .npy)")
      ->required();
  cmd->add_option("--test", args->test, "Test feature file")->required();
  auto* c = cmd->add_option("--c", args->options.c, "SVM cost C")->capture_default_str();
  auto* search = cmd->add_flag("--c-search", args->options.c_search,
                               "Choose C by cross-validation on the training features");
  c->excludes(search);
  cmd->add_option("--c-grid", args->options.c_grid, "C values tried by --c-search")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--folds", args->options.folds, "Cross-validation folds")->capture_default_str();
  cmd->add_flag("--no-normalize", args->no_normalize, "Do not L2-normalise the features");
  cmd->add_option("--save", args->save, "Where to write the model (empty: nowhere)")
      ->capture_default_str();
  cmd->callback([args] { run_svm(*args); });
}

}  // namespace svertka::cli
