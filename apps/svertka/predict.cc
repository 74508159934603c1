// svertka predict --model M --weights W [--labels synset_words.txt] [--crops center|10|...]
//                 [--batch B] [--json] IMAGE...
// The top-5 classes and their probabilities for each image file.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "data_options.h"
#include "eval_report.h"
#include "svertka/error.h"
#include "svertka/eval/class_names.h"
#include "svertka/eval/evaluator.h"
#include "svertka/eval/image_views.h"
#include "svertka/io/model_loading.h"

namespace svertka::cli {
namespace {

struct PredictArgs {
  std::string model, weights, labels, crops = "center", mean = "channel";
  std::vector<std::string> images;
  std::vector<int64_t> scales;
  int64_t batch = 0;  // views per forward pass; 0: chosen from the memory plan
  bool json = false;
  ImageDataArgs image;
};

void run_predict(const PredictArgs& args) {
  const std::vector<std::string> names =
      args.labels.empty() ? std::vector<std::string>{} : read_class_names(args.labels);
  ImageList list;
  // Without --labels: --num-classes, else ImageNet's 1000.
  list.num_classes = !names.empty()               ? static_cast<int64_t>(names.size())
                     : args.image.num_classes > 0 ? args.image.num_classes
                                                  : 1000;
  list.source = "the command line";
  for (const std::string& path : args.images) list.entries.push_back({path, 0, "the command line"});
  const ModelInput input = model_input(args.model, args.weights);
  const ImageBatchSource source(std::move(list), image_source_options(args.image, input.crop, false,
                                                                      args.mean, input.channels));
  const ImageViewSource views(source);

  // The weights' net at batch 1: the evaluator makes its own at the batch chosen here.
  ModelOptions options{
      .num_classes = source.num_classes(), .channels = source.sample_shape()[0], .batch = 1};
  options.height = options.width = source.sample_shape()[1];
  const ImportedModel model =
      load_model(args.model, args.weights, {.model = options, .require_weights = true});
  const std::unique_ptr<Net> net = make_net(model, {.phase = Phase::kTest});
  const CropPolicy policy = parse_crop_policy(args.crops);
  const auto views_per_image = static_cast<int64_t>(views_for(policy, args.scales).size());
  EvalBatchRequest request = eval_batch_request({model.spec}, policy, args.scales, args.image.scale);
  // No more views per pass than the images have: one JPEG needs no batch of 40.
  const auto all_views = static_cast<int64_t>(args.images.size()) * views_per_image;
  if (request.max_batch == 0 || request.max_batch > all_views) request.max_batch = all_views;
  const int64_t batch = eval_batch("predict", args.batch, request);
  const EvaluationResult result =
      evaluate_ensemble({{args.model, model.spec, net.get(), model.logits}}, views,
                        {.policy = policy, .scales = args.scales, .batch = batch});

  auto name = [&](int64_t k) { return k < int64_t(names.size()) ? names[size_t(k)] : ""; };
  nlohmann::json all = nlohmann::json::array();
  for (size_t i = 0; i < args.images.size(); ++i) {
    const Prediction& p = result.predictions[i];
    if (!args.json) fmt::print("{}\n", args.images[i]);
    nlohmann::json top = nlohmann::json::array();
    for (size_t r = 0; r < p.classes.size(); ++r) {
      if (args.json) {
        top.push_back({{"class", p.classes[r]}, {"name", name(p.classes[r])},
                       {"probability", p.probabilities[r]}});
      } else {
        fmt::print("  {:>5}  {:.4f}  {}\n", p.classes[r], p.probabilities[r], name(p.classes[r]));
      }
    }
    if (args.json) all.push_back({{"image", args.images[i]}, {"top5", top}});
  }
  if (args.json) fmt::print("{}\n", all.dump(2));
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand("predict", "Top-5 classes of image files");
  cmd->add_option("--model", args->model, "Model name, or a .prototxt or .onnx file")->required();
  cmd->add_option("--weights", args->weights, "Weights (.safetensors or .caffemodel)");
  cmd->add_option("--labels", args->labels,
                  "Class names, one per line in label order; a synset_words.txt line is printed "
                  "whole (n01440764 tench, Tinca tinca)");
  cmd->add_option("--crops", args->crops, "center, 10, dense or 144 (as in eval)")
      ->capture_default_str();
  cmd->add_option("--scales", args->scales, "Shorter sides S, comma-separated")->delimiter(',');
  cmd->add_option("--mean", args->mean, "channel or none")->capture_default_str();
  cmd->add_option("--batch", args->batch,
                  "Views per forward pass (default: chosen from the memory plan, as in eval)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->add_option("images", args->images, "Image files (JPEG, PNG)")->required();
  add_image_data_options(cmd, args->image, /*training=*/false);
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace svertka::cli
