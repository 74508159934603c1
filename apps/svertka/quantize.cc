// svertka quantize --model M --weights W --calibrate N (--data PATH | --train-list FILE [--root
// DIR])
//                  [--keep-fp32 conv1,fc8] [--mean channel|pixel|none] [--batch B] --out
//                  Q.safetensors
// Post-training int8 quantization (svertka/io/int8_model.h, docs/QUANTIZATION.md): the first N
// images of the training split (IDX: the train-* files; images: train/ or --train-list) run
// through the fp32 net, the largest magnitude each convolution's and inner product's input reaches
// becomes its scale, and the weights are quantized per output channel. eval, predict and bench
// run Q with oneDNN's int8 kernels.
#include <fmt/format.h>

#include <numeric>

#include "commands.h"
#include "data_options.h"
#include "device_option.h"
#include "model_options.h"
#include "svertka/error.h"
#include "svertka/eval/eval_batch.h"
#include "svertka/io/int8_model.h"
#include "svertka/io/model_loading.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {
namespace {

struct QuantizeArgs {
  std::string model, weights, data, out, mean = "channel", device;
  int64_t calibrate = 0, batch = 50;
  std::vector<std::string> keep_fp32;
  ImageDataArgs image;
};

std::unique_ptr<BatchSource> calibration_source(const QuantizeArgs& args) {
  DatasetLocation location = dataset_location(args.image, args.data);
  Dataset dataset = open_dataset(location, {.splits = {DataSplit::kTrain}, .whole_if_flat = true});
  if (dataset.is_idx())
    return std::move(
        load_idx_split(dataset.idx_folder, {}, parse_mean_subtraction(args.mean)).train);
  if (dataset.is_lmdb())
    throw ParamError("quantize reads IDX folders and images; Caffe LMDBs are not supported yet");
  const ModelInput input = model_input(args.model, args.weights);
  return std::make_unique<ImageBatchSource>(
      std::move(*dataset.train),
      image_source_options(args.image, input.crop, false, args.mean, input.channels));
}

// The ranges of every quantizable layer's input over the first `count` images of `data`; the last
// batch is filled up with images from the start (they cannot widen a maximum).
ActivationRanges calibrate(const ImportedModel& model, const BatchSource& data, int64_t count,
                           int64_t batch, const std::shared_ptr<Device>& device) {
  ActivationRanges ranges(model.spec);
  ImportedModel at_batch = model;
  at_batch.spec = with_batch(model.spec, batch);
  std::unique_ptr<Net> net =
      make_net(at_batch, {.phase = Phase::kTest, .device = device, .keep_blobs = ranges.blobs()});
  Tensor& images = net->input("data");
  Tensor labels(Shape{batch});
  std::vector<int64_t> indices(static_cast<size_t>(batch));
  for (int64_t start = 0; start < count; start += batch) {
    for (int64_t i = 0; i < batch; ++i) indices[size_t(i)] = (start + i) % count;
    data.fill(indices, false, 0, 0, images, labels);
    if (net->has_blob("label")) net->input("label").copy_from(labels);
    net->forward();
    ranges.observe(*net);
  }
  return ranges;
}

void run_quantize(const QuantizeArgs& args) {
  const std::unique_ptr<BatchSource> data = calibration_source(args);
  if (args.calibrate > data->size())
    throw ParamError(fmt::format("--calibrate {} asks for more images than the training split's {}",
                                 args.calibrate, data->size()));
  const ImportedModel model = load_model(
      args.model, args.weights, {.model = model_options_for(*data, 1), .require_weights = true});
  if (!int8_layers(model.spec).empty()) throw ParamError(args.weights + " is quantized already");
  const int64_t batch = std::min(args.batch, args.calibrate);
  const ActivationRanges ranges =
      calibrate(model, *data, args.calibrate, batch, open_named_device(args.device));
  QuantizeOptions options;
  options.keep_fp32.insert(args.keep_fp32.begin(), args.keep_fp32.end());
  const std::vector<NamedTensor> tensors = quantize_model(model, ranges, options);
  const std::string calibration =
      fmt::format("max |x| per tensor over the first {} training images", args.calibrate);
  save_safetensors(
      args.out, tensors,
      {{"svertka_int8", "1"}, {"calibration", calibration}, {"model", model.spec.name}});
  int64_t int8 = 0, fp32 = 0;
  for (const NamedTensor& t : tensors)
    (t.stored == StoredType::kI8 ? int8 : fp32) += t.tensor.numel();
  fmt::print("quantized {} to {}: calibrated on {} images ({}); {} int8 and {} fp32 values\n",
             args.weights, args.out, args.calibrate, calibration, int8, fp32);
  if (!args.keep_fp32.empty()) fmt::print("kept in fp32: {}\n", fmt::join(args.keep_fp32, ", "));
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
                  "Calibration images: the first N of the training split")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--data", args->data, "IDX folder (train-* files) or image root (train/)");
  cmd->add_option("--out", args->out, "The quantized model (.safetensors)")->required();
  cmd->add_option("--keep-fp32", args->keep_fp32,
                  "Convolutions and inner products to leave in fp32, comma-separated")
      ->delimiter(',');
  cmd->add_option("--mean", args->mean, "Mean subtracted, as in training: channel, pixel or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"channel", "pixel", "none"}));
  cmd->add_option("--batch", args->batch, "Calibration images per forward pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_device_option(cmd, args->device);
  add_image_data_options(cmd, args->image, /*training=*/false);
  cmd->callback([args] { run_quantize(*args); });
}

}  // namespace svertka::cli
