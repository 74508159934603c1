// svertka predict --model M --weights W [--labels synset_words.txt] [--crops center|10|...]
//                 [--batch B] [--json] IMAGE...
// The top-5 classes and their probabilities for each image file.
#include "predict.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "data_options.h"
#include "device_option.h"
#include "eval_report.h"
#include "option_checks.h"
#include "svertka/error.h"
#include "svertka/eval/class_names.h"
#include "svertka/eval/evaluator.h"
#include "svertka/eval/image_views.h"

namespace svertka::cli {
namespace {

struct PredictArgs {
  std::string model, weights, labels, crops = "center", mean = "channel", device;
  std::vector<std::string> images;
  std::vector<int64_t> scales;
  int64_t batch = 0;  // views per forward pass; 0: chosen from the memory plan
  bool json = false;
  Precision precision = Precision::kF32;
  ImageDataArgs image;
};

void run_predict(const PredictArgs& args) {
  const std::vector<std::string> names =
      args.labels.empty() ? std::vector<std::string>{} : read_class_names(args.labels);
  // Without --labels: --num-classes, else ImageNet's 1000.
  const int64_t num_classes = !names.empty()               ? static_cast<int64_t>(names.size())
                              : args.image.num_classes > 0 ? args.image.num_classes
                                                           : 1000;
  const ModelInput input = model_input(args.model, args.weights);
  const ImageBatchSource source = predict_source(args.images, num_classes, args.image, args.mean,
                                                 input, model_preprocessing(args.model, args.weights));

  // The weights' net at batch 1: the evaluator makes its own at the batch chosen here.
  ModelOptions options{
      .num_classes = source.num_classes(), .channels = source.sample_shape()[0], .batch = 1};
  options.height = options.width = source.sample_shape()[1];
  const ImportedModel model =
      load_model(args.model, args.weights, {.model = options, .require_weights = true});
  const std::unique_ptr<Net> net = make_net(
      model, {.phase = Phase::kTest, .device = open_named_device(args.device, args.precision)});
  const EvaluationResult result = predict_images({args.model, model.spec, net.get(), model.logits},
                                                 source, args.crops, args.scales, args.image.scale,
                                                 args.batch);

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

ImageBatchSource predict_source(const std::vector<std::string>& images, int64_t num_classes,
                                const ImageDataArgs& image, const std::string& mean,
                                const ModelInput& input, const Preprocessing& preprocessing,
                                const std::string& command) {
  ImageList list;
  list.num_classes = num_classes;
  list.source = "the command line";
  for (const std::string& path : images) list.entries.push_back({path, 0, "the command line"});
  return ImageBatchSource(std::move(list),
                          eval_image_options(preprocessing, image, mean, input, command));
}

EvaluationResult predict_images(const EnsembleMember& member, const ImageBatchSource& source,
                                const std::string& crops, const std::vector<int64_t>& scales,
                                int64_t default_scale, int64_t batch) {
  return predict_views(member, ImageViewSource(source), crops, scales, default_scale, batch);
}

EvaluationResult predict_views(const EnsembleMember& member, const ViewSource& views,
                               const std::string& crops, const std::vector<int64_t>& scales,
                               int64_t default_scale, int64_t batch) {
  const CropPolicy policy = parse_crop_policy(crops);
  const auto views_per_image = static_cast<int64_t>(views_for(policy, scales).size());
  EvalBatchRequest request = eval_batch_request({member.spec}, policy, scales, default_scale);
  // No more views per pass than the images have: one JPEG needs no batch of 40.
  const int64_t all_views = views.size() * views_per_image;
  if (request.max_batch == 0 || request.max_batch > all_views) request.max_batch = all_views;
  return evaluate_ensemble(
      {member}, views,
      {.policy = policy, .scales = scales, .batch = eval_batch("predict", batch, request)});
}

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand("predict", "Top-5 classes of image files");
  cmd->add_option("--model", args->model, "Model name, or a .prototxt or .onnx file")->required();
  cmd->add_option("--weights", args->weights, "Weights (.safetensors or .caffemodel)");
  add_device_option(cmd, args->device);
  cmd->add_option("--labels", args->labels,
                  "Class names, one per line in label order; a synset_words.txt line is printed "
                  "whole (n01440764 tench, Tinca tinca)");
  cmd->add_option("--crops", args->crops, "center, 10, dense or 144 (as in eval)")
      ->capture_default_str();
  cmd->add_option("--scales", args->scales, "Shorter sides S, comma-separated")->delimiter(',');
  cmd->add_option("--mean", args->mean,
                  "Mean subtracted (default: the model's preprocessing): channel, pixel, none or "
                  "FILE.binaryproto")
      ->capture_default_str()
      ->check(mean_option_check());
  cmd->add_option("--batch", args->batch,
                  "Views per forward pass (default: chosen from the memory plan, as in eval)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Machine-readable output");
  add_precision_option(cmd, args->precision);
  cmd->add_option("images", args->images, "Image files (JPEG, PNG)")->required();
  add_image_data_options(cmd, args->image, /*training=*/false);
  cmd->callback([args, cmd] {
    note_given_options(*cmd, args->image);
    run_predict(*args);
  });
}

}  // namespace svertka::cli
