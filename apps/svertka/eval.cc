// svertka eval --model M|FILE.prototxt|FILE.onnx [--weights W.safetensors|W.caffemodel]
//              (--data PATH | --val-list FILE [--root DIR]) [--batch B]
// Top-1 and top-5 error on the t10k-* (test) files of an IDX folder, on PATH/val/<class>/*.jpg
// (or PATH itself as an image folder) or on a list file; images resized and centre-cropped.
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "data_options.h"
#include "localize.h"
#include "model_options.h"
#include "progress.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {
namespace {

struct EvalArgs {
  std::string model, weights, data;
  int64_t batch = 256;
  std::string mean = "channel";
  ImageDataArgs image;
  LocalizeArgs localize;
};

void run_eval(const EvalArgs& args) {
  if (args.localize.localize())
    return run_localize_eval(args.model, args.weights, args.batch, args.mean, args.image,
                             args.localize);
  std::unique_ptr<BatchSource> test;
  const ImageBatchSource* images = nullptr;
  int workers = 0;
  if (args.image.val_list.empty() && is_idx_folder(args.data)) {
    test = std::move(load_idx_split(args.data, {}, parse_mean_subtraction(args.mean)).test);
  } else {
    auto list = find_image_list(args.image, args.data, /*train=*/false, /*whole_if_flat=*/true);
    if (!list) throw ParamError("eval needs --data or --val-list");
    const int64_t crop = is_model_file(args.model) ? 224 : model_info(args.model).native_height;
    auto source = std::make_unique<ImageBatchSource>(
        std::move(*list), image_source_options(args.image, crop, false, args.mean));
    images = source.get();
    test = std::move(source);
    workers = resolved_workers(args.image);
  }
  const ModelOptions options = model_options_for(*test, args.batch);
  ImportedModel model = resolve_model(args.model, options);
  if (is_model_file(args.model)) model.spec = adapt_to_data(model.spec, model.logits, options);
  Net net(model.spec, {.phase = Phase::kTest});
  if (!args.weights.empty()) {
    load_model_weights(args.weights, model.spec, net);
  } else if (!model.weights.empty()) {
    for (const NamedTensor& w : model.weights) net.param(w.name).value.copy_from(w.tensor);
  } else {
    throw ParamError("--weights is required: " + args.model + " holds no weights");
  }
  ProgressBar bar("eval");
  const auto start = std::chrono::steady_clock::now();
  const TopKCounts counts =
      evaluate(
          net, *test, model.logits,
          [&](int64_t done, int64_t total) {
            const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            bar.update(double(done) / double(total), double(done) / s, "img", "",
                       s / double(done) * double(total - done));
          },
          workers);
  bar.finish();
  if (images) report_skipped("eval", images->bad_images());
  fmt::print("{} images: top-1 error {:.2f}% (accuracy {:.2f}%), top-5 error {:.2f}%\n",
             counts.samples, 100 * counts.top1_error(), 100 * (1 - counts.top1_error()),
             100 * counts.top5_error());
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "Top-1/top-5 error of trained weights on a test set");
  cmd->add_option("--model", args->model, "Model name, or a .prototxt or .onnx file")->required();
  cmd->add_option(
      "--weights", args->weights,
      "Weights: .safetensors (weights or checkpoint) or .caffemodel (optional for .onnx)");
  cmd->add_option("--data", args->data,
                  "IDX folder (t10k-* files) or image root (val/ folder, or the folder itself)");
  cmd->add_option("--batch", args->batch, "Batch size")->capture_default_str();
  cmd->add_option("--mean", args->mean,
                  "Mean subtracted, as in training: channel, pixel or none (images)")
      ->capture_default_str();
  add_image_data_options(cmd, args->image, /*training=*/false);
  add_localize_options(cmd, args->localize, /*training=*/false);
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace svertka::cli
