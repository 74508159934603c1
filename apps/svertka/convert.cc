// svertka convert --from MODEL [--weights W] --out FILE [--to safetensors|caffe|onnx]
// Moves a model between formats. MODEL: a zoo name, a Caffe .prototxt or an .onnx file; W: a
// .caffemodel or .safetensors (ONNX files carry their weights). FILE's extension picks the format
// unless --to says: .safetensors (weights), .prototxt (+ a .caffemodel beside it), .onnx.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <map>

#include "commands.h"
#include "model_files.h"
#include "model_options.h"
#include "preprocessing.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/io/model_loading.h"
#include "svertka/io/onnx.h"

namespace svertka::cli {
namespace {

struct ConvertArgs {
  std::string from, weights, out, to;
  std::string input;  // CxHxW, zoo models
  int64_t classes = 1000;
  uint64_t seed = 0;  // 0: weights are required
};

// Every parameter drawn from its filler (parameter k from seed + k, as Net::init_params).
std::vector<NamedTensor> initial_weights(const NetSpec& spec, uint64_t seed) {
  const std::map<std::string, Shape> shapes = infer_param_shapes(spec);
  std::vector<NamedTensor> weights;
  uint64_t k = 0;
  for (const LayerSpec& layer : spec.layers) {
    const std::vector<std::string> names = layer.op->param_names();
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string name = layer.name + "." + names[i];
      Tensor t(shapes.at(name));
      fill(t, i < layer.params.size() ? layer.params[i].filler : ParamSpec{}.filler, seed + k++);
      weights.push_back({name, t});
    }
  }
  return weights;
}

// A record taken from a Data layer without crop_size knows neither the channels nor the size:
// the converted net's image input (N, C, H, W) tells them.
void complete_from_input(InputTransform& transform, const NetSpec& spec) {
  for (const InputSpec& input : spec.inputs) {
    if (input.shape.rank() != 4 || (input.shape[1] != 1 && input.shape[1] != 3)) continue;
    if (transform.channels == 0) transform.channels = input.shape[1];
    if (transform.input_height == 0) {
      transform.input_height = input.shape[2];
      transform.input_width = input.shape[3];
    }
    return;
  }
}

void run_convert(const ConvertArgs& args) {
  const std::string format = model_format(args.out, args.to);
  ModelOptions options;
  options.num_classes = args.classes;
  apply_input_size(args.input, options);
  ImportedModel model = import_model(args.from, options);
  if (!args.weights.empty()) {
    if (args.weights.ends_with(".caffemodel")) {
      model.weights = load_caffemodel(args.weights, model.spec);
    } else {
      model.weights = load_safetensors(args.weights).tensors;
    }
  } else if (model.weights.empty()) {
    if (args.seed == 0)
      throw ParamError(args.from + " holds no weights: give --weights, or --seed to draw them");
    model.weights = initial_weights(model.spec, args.seed);
  }
  std::optional<InputTransform> transform = model_preprocessing(args.from, args.weights).base;
  if (transform) complete_from_input(*transform, model.spec);
  const std::vector<std::string> files =
      save_model(model.spec, model.weights, args.out, format, args.from, transform);
  if (format == "safetensors")
    fmt::print("wrote {} ({} tensors)\n", args.out, model.weights.size());
  else
    fmt::print("wrote {}\n", fmt::join(files, " and "));
}

}  // namespace

std::string model_format(const std::string& out, const std::string& to) {
  if (!to.empty()) {
    if (to == "safetensors" || to == "caffe" || to == "onnx") return to;
    throw ParamError("--to expects safetensors, caffe or onnx, got '" + to + "'");
  }
  const std::string ext = std::filesystem::path(out).extension().string();
  if (ext == ".safetensors") return "safetensors";
  if (ext == ".prototxt" || ext == ".caffemodel") return "caffe";
  if (ext == ".onnx") return "onnx";
  throw ParamError("cannot tell the format of " + out +
                   " (use .safetensors, .prototxt, .onnx or --to)");
}

std::vector<std::string> save_model(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                                    const std::string& out, const std::string& format,
                                    const std::string& source,
                                    const std::optional<InputTransform>& transform) {
  if (format == "safetensors") {
    std::map<std::string, std::string> metadata{{"format", "pt"}, {"source", source}};
    if (transform && transform->channels > 0) metadata.insert(input_transform_entry(*transform));
    save_safetensors(out, weights, metadata);
    return {out};
  }
  if (format == "caffe") {
    std::filesystem::path prototxt = out, caffemodel = out;
    prototxt.replace_extension(".prototxt");
    caffemodel.replace_extension(".caffemodel");
    save_caffe(spec, weights, prototxt.string(), caffemodel.string());
    return {prototxt.string(), caffemodel.string()};
  }
  if (format != "onnx") throw ParamError("unknown model format '" + format + "'");
  save_onnx(spec, weights, out);
  return {out};
}

void add_convert_command(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a model between svertka, Caffe and ONNX");
  cmd->add_option("--from", args->from, "Zoo model name, Caffe .prototxt or .onnx file")
      ->required();
  cmd->add_option("--weights", args->weights, "Weights for --from: .caffemodel or .safetensors");
  cmd->add_option("--out", args->out, "Output: .safetensors, .prototxt (+ .caffemodel) or .onnx")
      ->required();
  cmd->add_option("--to", args->to, "Output format (safetensors, caffe, onnx) if not by extension");
  cmd->add_option("--input", args->input, "Input size CxHxW for a zoo model");
  cmd->add_option("--classes", args->classes, "Number of classes for a zoo model");
  cmd->add_option("--seed", args->seed,
                  "Draw weights from the fillers with this seed (no --weights)");
  cmd->callback([args] { run_convert(*args); });
}

}  // namespace svertka::cli
