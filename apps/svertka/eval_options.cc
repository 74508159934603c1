#include "eval_options.h"

#include "device_option.h"
#include "option_checks.h"
#include "svertka/eval/views.h"

namespace svertka::cli {

void add_eval_options(CLI::App* cmd, EvalArgs& args) {
  cmd->add_option("--recipe", args.recipe,
                  "Recipe file (TOML, docs/RECIPES.md): its model, data and [eval] values are the "
                  "defaults of these options; options given here override them");
  cmd->add_option("--model", args.models,
                  "Model name, or a .prototxt or .onnx file; a comma-separated list gives each "
                  "weights file its own model")
      ->delimiter(',');
  cmd->add_option("--weights", args.weights,
                  "Weights: .safetensors (weights or checkpoint) or .caffemodel (optional for "
                  ".onnx); several, comma-separated, are an ensemble averaging their softmax")
      ->delimiter(',');
  add_device_option(cmd, args.device);
  cmd->add_option("--data", args.data,
                  "IDX folder (t10k-* files) or image root (val/ folder, or the folder itself)");
  cmd->add_option("--crops", args.crops,
                  "Views per image: center, 10 (corners + centre, mirrored), dense (whole image "
                  "through the net made fully convolutional, and its mirror), 144 (GoogLeNet: "
                  "36 views at each of --scales, by default its four: 256, 288, 320, 352)")
      ->capture_default_str()
      ->check(parses_with(parse_crop_policy, "VIEWS"));
  cmd->add_option("--scales", args.scales,
                  "Shorter sides S to evaluate at, comma-separated (images; default --scale)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  cmd->add_option("--pad", args.pad, "IDX: the training shift, for the 10 views' corners")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", args.out,
                  "Folder for metrics.json, per_class.csv, confusion.csv and predictions.csv");
  cmd->add_option("--batch", args.batch,
                  "Views per forward pass (default: the most that fit a 64 MB working set and "
                  "half the available memory, by the nets' memory plan; printed)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--mean", args.mean,
                  "Mean subtracted (default: the model's preprocessing): channel, pixel, none or "
                  "a Caffe mean file FILE.binaryproto")
      ->capture_default_str()
      ->check(mean_option_check());
  add_precision_option(cmd, args.precision);
  add_image_data_options(cmd, args.image, /*training=*/false);
  add_localize_options(cmd, args.localize, /*training=*/false);
}

}  // namespace svertka::cli
