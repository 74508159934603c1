// svertka eval --model M[,M2...] --weights W[,W2...] (--data PATH | --val-list FILE [--root DIR])
//              [--crops center|10|dense|144] [--scales 256,384,512] [--out DIR] [--batch B]
//              (default batch: chosen from the nets' memory plan and the memory available)
// svertka eval --recipe RECIPE.toml --weights W[,W2...] [options]: the recipe's model, data and
//              [eval] protocol, options given here overriding them.
// Top-1 and top-5 error on the t10k-* (test) files of an IDX folder, on PATH/val/<class>/*.jpg
// (or PATH itself as an image folder) or on a list file, with the papers' test-time views; several
// weights (and models) form an ensemble that averages their softmax. --out writes the metrics,
// per-class accuracy, the confusion matrix and every image's top 5.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "commands.h"
#include "data_options.h"
#include "device_option.h"
#include "eval_options.h"
#include "eval_report.h"
#include "localize.h"
#include "model_options.h"
#include "preprocessing.h"
#include "progress.h"
#include "recipe.h"
#include "svertka/data/lmdb_source.h"
#include "svertka/error.h"
#include "svertka/eval/batch_views.h"
#include "svertka/eval/idx_views.h"
#include "svertka/eval/image_views.h"
#include "svertka/io/int8_model.h"
#include "svertka/io/model_loading.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {
namespace {

// One network per weights file, each with its model (one model for all, or one per weights).
struct LoadedMembers {
  std::vector<std::unique_ptr<Net>> nets;
  std::vector<EnsembleMember> members;
};

// For a quantized model, which layers run in int8 and which its file keeps in fp32.
void say_int8_layers(const std::string& weights, const NetSpec& spec) {
  const std::vector<std::string> int8 = int8_layers(spec);
  if (int8.empty()) return;
  std::vector<std::string> fp32 = quantizable_layers(spec);
  std::erase_if(fp32, [&](const std::string& l) {
    return std::find(int8.begin(), int8.end(), l) != int8.end();
  });
  fmt::print("{}: int8 {}{}\n", weights, fmt::join(int8, ", "),
             fp32.empty() ? "" : fmt::format("; kept in fp32: {}", fmt::join(fp32, ", ")));
}

LoadedMembers load_members(const EvalArgs& args, const ModelOptions& options) {
  if (args.models.size() != 1 && args.models.size() != args.weights.size())
    throw ParamError("give one --model for all weights or one per weights file (" +
                     std::to_string(args.models.size()) + " models, " +
                     std::to_string(args.weights.size()) + " weights)");
  LoadedMembers loaded;
  for (size_t i = 0; i < std::max<size_t>(1, args.weights.size()); ++i) {
    const std::string& model_name = args.models[args.models.size() == 1 ? 0 : i];
    const std::string weights = args.weights.empty() ? "" : args.weights[i];
    const ImportedModel model =
        load_model(model_name, weights, {.model = options, .require_weights = true});
    say_int8_layers(weights, model.spec);
    std::unique_ptr<Net> net =
        make_net(model, {.phase = Phase::kTest, .device = open_named_device(args.device, args.precision)});
    const std::string label = weights.empty() ? model_name : weights;
    loaded.members.push_back({label, model.spec, net.get(), model.logits});
    loaded.nets.push_back(std::move(net));
  }
  return loaded;
}

void run_eval(const EvalArgs& args) {
  if (args.models.empty()) throw ParamError("eval needs --model (or a --recipe naming one)");
  if (args.localize.localize())
    return run_localize_eval(args.models, args.weights, args.batch, args.mean, args.image,
                             args.localize);
  std::unique_ptr<BatchSource> test;
  std::unique_ptr<ViewSource> views;
  const ImageBatchSource* images = nullptr;
  const CropPolicy policy = parse_crop_policy(args.crops);
  const std::string& first_model = args.models.at(0);
  if (args.data.empty() && args.image.val_list.empty())
    throw ParamError("eval needs --data or --val-list");
  Dataset dataset = open_dataset(dataset_location(args.image, args.data),
                                 {.splits = {DataSplit::kVal}, .whole_if_flat = true});
  // The first weights' preprocessing (an ensemble's members were trained alike).
  const std::string first_weights = args.weights.empty() ? "" : args.weights[0];
  const Preprocessing preprocessing = model_preprocessing(first_model, first_weights);
  if (dataset.is_idx()) {
    test = idx_eval_source(dataset.idx_folder, false, preprocessing, args.image, args.mean, "eval");
    views = std::make_unique<IdxViewSource>(static_cast<const IdxBatchSource&>(*test), args.pad);
  } else if (dataset.is_lmdb()) {
    test = std::make_unique<LmdbBatchSource>(
        dataset.val_lmdb,
        LmdbSourceOptions{
            .transform = eval_lmdb_transform(preprocessing, args.image, args.mean, "eval"),
            .num_classes = args.image.num_classes});
    views = std::make_unique<BatchViewSource>(*test);
  } else {
    const ModelInput input = model_input(first_model, first_weights);
    auto source = std::make_unique<ImageBatchSource>(
        std::move(*dataset.val),
        eval_image_options(preprocessing, args.image, args.mean, input, "eval"));
    images = source.get();
    views = std::make_unique<ImageViewSource>(*source);
    test = std::move(source);
  }
  // The weights' nets at batch 1: the evaluator makes its own at the batch chosen here.
  const LoadedMembers loaded = load_members(args, model_options_for(*test, 1));
  std::vector<NetSpec> specs;
  for (const EnsembleMember& member : loaded.members) specs.push_back(member.spec);
  const int64_t batch = eval_batch(
      "eval", args.batch, eval_batch_request(specs, policy, args.scales, args.image.scale));

  ProgressBar bar("eval", "img");
  EvaluationOptions options{.policy = policy, .scales = args.scales, .batch = batch};
  options.progress = [&](int64_t done, int64_t total) { bar.update(done, total); };
  const EvaluationResult result = evaluate_ensemble(loaded.members, *views, options);
  bar.finish();
  if (images) report_skipped("eval", images->bad_images());
  print_evaluation(loaded.members, result, args.crops);
  std::vector<std::string> paths;
  if (images)
    for (const ImageEntry& entry : images->list().entries) paths.push_back(entry.path);
  if (!args.out.empty()) write_evaluation(args.out, loaded.members, result, paths);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Top-1/top-5 error of trained weights (or an ensemble) on a test set");
  add_eval_options(cmd, *args);
  cmd->callback([args, cmd] {
    if (!args->recipe.empty()) apply_recipe(load_recipe(args->recipe), *cmd, kRecipeEval);
    note_given_options(*cmd, args->image);
    if (args->localize.localize()) check_localize_options(*cmd, /*training=*/false);
    run_eval(*args);
  });
}

}  // namespace svertka::cli
