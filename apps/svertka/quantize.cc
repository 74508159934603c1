// svertka quantize --model M --weights W --calibrate N (--data PATH | --train-list FILE [--root
// DIR]) [--check 1000] [--max-loss 0.5] [--keep-fp32 conv1,fc8] [--mean channel|pixel|none|FILE]
// [--batch B] --out Q.safetensors
// Post-training int8 quantization (svertka/io/int8_model.h, docs/QUANTIZATION.md): N images of
// the training split (IDX: the train-* files; images: train/ or --train-list), drawn at random
// with a fixed seed, run through the fp32 net, the largest magnitude each convolution's and inner
// product's input reaches becomes its scale, and the weights are quantized per output channel.
// Then the top-1 of the int8 and fp32 models on --check other training images decides which
// layers stay fp32 (quantize_check.h). eval, predict and bench run Q with oneDNN's int8 kernels.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <span>

#include "commands.h"
#include "data_options.h"
#include "device_option.h"
#include "model_options.h"
#include "preprocessing.h"
#include "quantize_check.h"
#include "svertka/data/small_image_batch.h"
#include "svertka/error.h"
#include "svertka/eval/eval_batch.h"
#include "svertka/io/int8_model.h"
#include "svertka/io/model_loading.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {
namespace {

struct QuantizeArgs {
  std::string model, weights, data, out, mean = "channel", device;
  int64_t calibrate = 0, batch = 50, check = 1000;
  double max_loss = 0.5;  // points of top-1
  std::vector<std::string> keep_fp32;
  ImageDataArgs image;
};

// The training split, prepared as eval will prepare the model's inputs (preprocessing.h: the
// record in the weights, else the prototxt's transform_param, else the defaults; the options
// given override them): scales calibrated on other inputs would not fit.
std::unique_ptr<BatchSource> calibration_source(const QuantizeArgs& args) {
  DatasetLocation location = dataset_location(args.image, args.data);
  Dataset dataset = open_dataset(location, {.splits = {DataSplit::kTrain}, .whole_if_flat = true});
  const Preprocessing preprocessing = model_preprocessing(args.model, args.weights);
  if (dataset.is_idx())
    return idx_eval_source(dataset.idx_folder, /*train_split=*/true, preprocessing, args.image,
                           args.mean, "quantize");
  if (dataset.is_lmdb())
    throw ParamError("quantize reads IDX folders and images; Caffe LMDBs are not supported yet");
  const ModelInput input = model_input(args.model, args.weights);
  return std::make_unique<ImageBatchSource>(
      std::move(*dataset.train),
      eval_image_options(preprocessing, args.image, args.mean, input, "quantize"));
}

// The order in which quantize takes training images: a shuffle with a fixed seed, so that the
// calibration and check images spread over the classes even in a list sorted by class (as
// Caffe's train.txt is).
std::vector<int64_t> sample_order(int64_t size) {
  return epoch_order(size, /*seed=*/1, /*epoch=*/0);
}

// The ranges of every quantizable layer's input over the training images `images`.
ActivationRanges calibrate(const ImportedModel& model, const BatchSource& data,
                           std::span<const int64_t> images, int64_t batch,
                           const std::shared_ptr<Device>& device) {
  ActivationRanges ranges(model.spec);
  run_passes(model, data, images, batch,
             {.phase = Phase::kTest, .device = device, .keep_blobs = ranges.blobs()},
             [&](const Net& net, const Tensor&, int64_t) { ranges.observe(net); });
  return ranges;
}

// The accuracy check's images: --check training images that calibration did not take, or as many
// as are left. ParamError when none is left.
AccuracyCheck accuracy_check(const QuantizeArgs& args, const std::vector<int64_t>& order) {
  const auto left = static_cast<int64_t>(order.size()) - args.calibrate;
  if (left == 0)
    throw ParamError(fmt::format(
        "--calibrate {} takes every training image: none is left for the accuracy check (a "
        "smaller --calibrate, or --check 0 to quantize every layer unchecked)",
        args.calibrate));
  const auto first = order.begin() + args.calibrate;
  return {.images = {first, first + std::min(args.check, left)},
          .batch = args.batch,
          .max_loss_points = args.max_loss,
          .forced = {args.keep_fp32.begin(), args.keep_fp32.end()}};
}

void run_quantize(const QuantizeArgs& args) {
  const std::unique_ptr<BatchSource> data = calibration_source(args);
  if (args.calibrate > data->size())
    throw ParamError(fmt::format("--calibrate {} asks for more images than the training split's {}",
                                 args.calibrate, data->size()));
  const ImportedModel model = load_model(
      args.model, args.weights, {.model = model_options_for(*data, 1), .require_weights = true});
  if (!int8_layers(model.spec).empty()) throw ParamError(args.weights + " is quantized already");
  const std::vector<std::string> layers = quantizable_layers(model.spec);
  for (const std::string& name : args.keep_fp32)  // before the minutes of calibration
    if (std::find(layers.begin(), layers.end(), name) == layers.end())
      throw ParamError(fmt::format("--keep-fp32: '{}' is no convolution or inner product of {}",
                                   name, args.model));
  const std::shared_ptr<Device> device = open_named_device(args.device);
  const std::vector<int64_t> order = sample_order(data->size());
  const ActivationRanges ranges = calibrate(
      model, *data, std::span(order).first(size_t(args.calibrate)), args.batch, device);

  QuantizeOptions options;
  options.keep_fp32.insert(args.keep_fp32.begin(), args.keep_fp32.end());
  std::map<std::string, std::string> metadata = {
      {"svertka_int8", "1"},
      {"calibration",
       fmt::format("max |x| per tensor over {} training images drawn at random (seed 1)",
                   args.calibrate)},
      {"model", model.spec.name}};
  if (args.check > 0) {
    const AccuracyCheck check = accuracy_check(args, order);
    const Fp32Fallback fallback = check_int8_accuracy(model, ranges, *data, check, device);
    options.keep_fp32 = fallback.fp32_layers;
    metadata["accuracy_check"] =
        fmt::format("top-1 on {} other training images: fp32 {:.2f}%, this model {:.2f}%",
                    check.images.size(), 100 * fallback.fp32_accuracy, 100 * fallback.accuracy);
  }
  metadata["kept_fp32"] = fmt::format("{}", fmt::join(options.keep_fp32, ","));
  const std::vector<NamedTensor> tensors = quantize_model(model, ranges, options);
  save_safetensors(args.out, tensors, metadata);
  int64_t int8 = 0, fp32 = 0;
  for (const NamedTensor& t : tensors)
    (t.stored == StoredType::kI8 ? int8 : fp32) += t.tensor.numel();
  fmt::print("quantized {} to {}: calibrated on {} images ({}); {} int8 and {} fp32 values\n",
             args.weights, args.out, args.calibrate, metadata.at("calibration"), int8, fp32);
  if (!options.keep_fp32.empty())
    fmt::print("kept in fp32: {}\n", fmt::join(options.keep_fp32, ", "));
}

}  // namespace

void add_quantize_command(CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "quantize", "Int8 weights and activation scales from calibration images (post-training)");
  cmd->add_option("--model", args->model, "Model name, or a .prototxt or .onnx file")->required();
  cmd->add_option("--weights", args->weights, "Trained fp32 weights (.safetensors or .caffemodel)")
      ->required();
  cmd->add_option("--calibrate", args->calibrate,
                  "Calibration images: N of the training split, drawn at random (seed 1)")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--data", args->data, "IDX folder (train-* files) or image root (train/)");
  cmd->add_option("--out", args->out, "The quantized model (.safetensors)")->required();
  cmd->add_option("--keep-fp32", args->keep_fp32,
                  "Convolutions and inner products to leave in fp32 whatever the check says, "
                  "comma-separated")
      ->delimiter(',');
  cmd->add_option("--check", args->check,
                  "Labelled training images after the calibration ones on which the int8 "
                  "model's top-1 is compared with fp32's (0: no check, every layer int8)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-loss", args->max_loss,
                  "Points of top-1 the int8 model may lose on the check images: layers go back "
                  "to fp32, the most helpful first, until it loses no more")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--mean", args->mean,
                  "Mean subtracted (default: the model's preprocessing, as eval applies it): "
                  "channel, pixel, none or a Caffe mean file FILE.binaryproto")
      ->capture_default_str()
      ->check(mean_option_check());
  cmd->add_option("--batch", args->batch, "Calibration images per forward pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_device_option(cmd, args->device);
  add_image_data_options(cmd, args->image, /*training=*/false);
  cmd->callback([args, cmd] {
    note_given_options(*cmd, args->image);
    run_quantize(*args);
  });
}

}  // namespace svertka::cli
