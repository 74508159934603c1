// svertka extract --model M --weights W --layer fc7 (--data PATH | --val-list FILE) --out FILE
//                 [--split train|test] [--class-subset 5-9] [--model-classes K] [--batch B]
// The activations of a blob for every image of a dataset, with the labels, streamed to FILE
// (.safetensors, or .npy with FILE.labels.npy beside it), for `svertka svm` or NumPy.
#include <fmt/format.h>

#include "commands.h"
#include "data_options.h"
#include "device_option.h"
#include "option_checks.h"
#include "preprocessing.h"
#include "eval_report.h"
#include "model_options.h"
#include "progress.h"
#include "svertka/data/class_subset.h"
#include "svertka/error.h"
#include "svertka/io/model_loading.h"
#include "svertka/solver/trainer.h"
#include "svertka/transfer/extract.h"

namespace svertka::cli {
namespace {

struct ExtractArgs {
  std::string model, weights, layer, data, out, split = "test", classes, mean = "channel", device;
  int64_t batch = 0, model_classes = 0;  // batch 0: chosen from the memory plan
  Precision precision = Precision::kF32;
  ImageDataArgs image;
};

void run_extract(const ExtractArgs& args) {
  if (args.split != "train" && args.split != "test")
    throw ParamError("--split expects train or test, got '" + args.split + "'");
  const bool train = args.split == "train";
  if (args.data.empty() && args.image.val_list.empty())
    throw ParamError("extract needs --data or --val-list");
  DatasetLocation location = dataset_location(args.image, args.data);
  if (train) location.train_list = location.val_list;  // --val-list is the one list either way
  const DataSplit split = train ? DataSplit::kTrain : DataSplit::kVal;
  Dataset dataset = open_dataset(location, {.splits = {split}, .whole_if_flat = true});
  std::unique_ptr<BatchSource> data;
  const Preprocessing preprocessing = model_preprocessing(args.model, args.weights);
  if (dataset.is_idx()) {
    data = idx_eval_source(dataset.idx_folder, train, preprocessing, args.image, args.mean,
                           "extract");
  } else {
    const ModelInput input = model_input(args.model, args.weights);
    data = std::make_unique<ImageBatchSource>(
        std::move(*(train ? dataset.train : dataset.val)),
        eval_image_options(preprocessing, args.image, args.mean, input, "extract"));
  }
  if (!args.classes.empty())
    data = std::make_unique<ClassSubsetSource>(std::move(data), parse_class_subset(args.classes));
  ModelOptions options = model_options_for(*data, 1);
  if (args.model_classes > 0) options.num_classes = args.model_classes;
  // Loaded at batch 1, planned from shapes alone, then made at the chosen batch.
  ImportedModel model =
      load_model(args.model, args.weights, {.model = options, .require_weights = true});
  EvalBatchRequest request;
  request.specs = {model.spec};
  request.keep_blobs = {args.layer};
  model.spec = with_batch(std::move(model.spec), eval_batch("extract", args.batch, request));
  const std::unique_ptr<Net> loaded =
      make_net(model, {.phase = Phase::kTest,
                       .device = open_named_device(args.device, args.precision),
                       .keep_blobs = {args.layer}});
  Net& net = *loaded;
  if (!net.has_blob(args.layer))
    throw NotFoundError("model '" + args.model + "' has no blob '" + args.layer + "'");
  const Tensor& blob = net.blob(args.layer);
  const int64_t dim = blob.numel() / blob.dim(0);
  FeatureWriter out(args.out, data->size(), dim,
                    {{"model", args.model}, {"layer", args.layer}, {"weights", args.weights}});
  ProgressBar bar("extract", "img");
  extract_features(net, *data, args.layer, out,
                   [&](int64_t done, int64_t total) { bar.update(done, total); });
  out.finish();
  bar.finish();
  fmt::print("{} samples x {} features of '{}' ({} classes) -> {}\n", data->size(), dim,
             args.layer, data->num_classes(), args.out);
}

}  // namespace

void add_extract_command(CLI::App& app) {
  auto args = std::make_shared<ExtractArgs>();
  CLI::App* cmd =
      app.add_subcommand("extract", "Activations of a blob for a whole dataset, to a feature file");
  cmd->add_option("--model", args->model, "Model name, or a .prototxt or .onnx file")->required();
  cmd->add_option("--weights", args->weights, "Weights: .safetensors or .caffemodel");
  add_device_option(cmd, args->device);
  cmd->add_option("--layer", args->layer, "Blob to extract (e.g. fc7, fc4)")->required();
  cmd->add_option("--data", args->data, "IDX folder or image root");
  cmd->add_option("--out", args->out, "Feature file: .safetensors or .npy")->required();
  cmd->add_option("--split", args->split, "IDX / image root split: train or test (val)")
      ->capture_default_str();
  cmd->add_option("--class-subset", args->classes,
                  "Only these classes, relabelled 0..k-1 (e.g. 5-9); --classes is the class list");
  cmd->add_option("--model-classes", args->model_classes,
                  "Classes of the model's classifier (default: the dataset's)");
  cmd->add_option("--batch", args->batch,
                  "Batch size (default: chosen from the memory plan, as in eval)")
      ->check(CLI::PositiveNumber);
  add_precision_option(cmd, args->precision);
  cmd->add_option("--mean", args->mean,
                  "Mean subtracted (default: the model's preprocessing): channel, pixel, none or "
                  "FILE.binaryproto")
      ->capture_default_str()
      ->check(mean_option_check());
  add_image_data_options(cmd, args->image, /*training=*/false);
  cmd->callback([args, cmd] {
    note_given_options(*cmd, args->image);
    run_extract(*args);
  });
}

}  // namespace svertka::cli
