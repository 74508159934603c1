#include "model_options.h"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "svertka/ops/accuracy.h"
#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/io/onnx.h"
#include "svertka/io/safetensors.h"
#include "svertka/solver/checkpoint.h"

namespace svertka::cli {

void apply_input_size(const std::string& text, ModelOptions& options) {
  if (text.empty()) return;
  std::vector<int64_t> dims;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, 'x')) {
    try {
      dims.push_back(std::stoll(part));
    } catch (const std::exception&) {
      dims.clear();
      break;
    }
  }
  if (dims.size() != 3 || dims[0] <= 0 || dims[1] <= 0 || dims[2] <= 0)
    throw ParamError("--input expects CxHxW with positive sizes (e.g. 3x224x224), got '" + text +
                     "'");
  options.channels = dims[0], options.height = dims[1], options.width = dims[2];
}

MeanSubtraction parse_mean_subtraction(const std::string& text) {
  if (text == "channel") return MeanSubtraction::kPerChannel;
  if (text == "pixel") return MeanSubtraction::kPerPixel;
  throw ParamError("--mean expects channel or pixel, got '" + text + "'");
}

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool is_model_file(const std::string& model) {
  return ends_with(model, ".prototxt") || ends_with(model, ".onnx");
}

ImportedModel resolve_model(const std::string& model, const ModelOptions& options, Phase phase) {
  if (ends_with(model, ".prototxt")) return load_caffe_net(model, {.phase = phase});
  if (ends_with(model, ".onnx")) return load_onnx(model, {.batch = options.batch});
  return ImportedModel{build_model(model, options), {}, model_info(model).logits};
}

NetSpec adapt_to_data(NetSpec spec, const std::string& logits, const ModelOptions& options) {
  std::vector<InputSpec*> images;
  bool has_label = false;
  for (InputSpec& input : spec.inputs) {
    if (input.name == kLabelBlob)
      has_label = true;
    else
      images.push_back(&input);
  }
  if (images.size() != 1)
    throw ParamError("net '" + spec.name + "' has " + std::to_string(images.size()) +
                     " image inputs; svertka feeds exactly one");
  if (images[0]->name != kDataBlob) rename_blob(spec, images[0]->name, kDataBlob);
  images[0]->shape = Shape{options.batch, options.channels, options.height, options.width};
  if (!has_label) spec.inputs.push_back({kLabelBlob, Shape{options.batch}});
  for (const auto& [name, k] :
       {std::pair<std::string, int64_t>{kAccuracyTop1, 1}, {kAccuracyTop5, 5}}) {
    bool present = false;
    for (const LayerSpec& layer : spec.layers)
      for (const std::string& top : layer.tops) present = present || top == name;
    if (present) continue;
    AccuracyParams params;
    params.top_k = std::min<int64_t>(k, options.num_classes);
    auto op = std::make_shared<AccuracyOp>(params);
    op->set_name(name);
    LayerSpec layer;
    layer.name = name;
    layer.op = op;
    layer.bottoms = {logits, kLabelBlob};
    layer.tops = {name};
    spec.layers.push_back(std::move(layer));
  }
  return spec;
}

void load_model_weights(const std::string& path, const NetSpec& spec, Net& net) {
  if (!ends_with(path, ".caffemodel")) return load_weights(path, net);
  for (const NamedTensor& w : load_caffemodel(path, spec))
    net.param(w.name).value.copy_from(w.tensor);
}

namespace {

// The input a net reads images from: the one that is not "label", as adapt_to_data picks it.
const InputSpec& image_input(const NetSpec& spec, const std::string& model) {
  for (const InputSpec& input : spec.inputs)
    if (input.name != kLabelBlob) return input;
  throw ParamError("net '" + model + "' has no image input");
}

// The channels the weights in `path` give the first layer reading the image input: its weight in
// the file against the same weight in `spec` (whose input has `channels`), which also keeps a
// grouped convolution right. nullopt where that cannot be told: not a safetensors file, no such
// layer or weight, or a weight that is not a convolution's.
std::optional<int64_t> weights_channels(const NetSpec& spec, const std::string& input,
                                        int64_t channels, const std::string& path) {
  if (!ends_with(path, ".safetensors")) return std::nullopt;
  for (const LayerSpec& layer : spec.layers) {
    const std::vector<std::string> params = layer.op->param_names();
    if (params.empty() ||
        std::find(layer.bottoms.begin(), layer.bottoms.end(), input) == layer.bottoms.end())
      continue;
    const std::string name = layer.name + "." + params[0];
    const Shape ours = infer_param_shapes(spec).at(name);
    const std::map<std::string, Shape> theirs = read_safetensors_shapes(path);
    const auto it = theirs.find(name);
    if (ours.rank() != 4 || it == theirs.end() || it->second.rank() != 4) return std::nullopt;
    return it->second[1] * channels / ours[1];
  }
  return std::nullopt;
}

}  // namespace

ModelInput model_input(const std::string& model, const std::string& weights, Phase phase) {
  ModelInput result;
  const NetSpec spec = is_model_file(model) ? resolve_model(model, {}, phase).spec
                                            : build_model(model, ModelOptions{});
  const InputSpec& input = image_input(spec, model);
  const Shape& shape = input.shape;  // (N,C,H,W)
  if (shape.rank() != 4)
    throw ShapeError("net '" + model + "': the image input '" + input.name + "' is " + shape.str() +
                     ", expected (N,C,H,W)");
  result.channels = shape[1];
  if (!is_model_file(model))
    result.crop = model_info(model).native_height;
  else if (shape[2] == shape[3] && shape[2] > 0)
    result.crop = shape[2];
  if (!weights.empty())
    result.channels = weights_channels(spec, input.name, shape[1], weights).value_or(shape[1]);
  if (result.channels != 1 && result.channels != 3)
    throw ShapeError("model '" + model + "'" + (weights.empty() ? "" : " with '" + weights + "'") +
                     " takes " + std::to_string(result.channels) +
                     "-channel images; images are decoded to 1 (greyscale) or 3 (colour) channels");
  return result;
}

int64_t default_crop(const std::string& model) {
  return model_input(model).crop;
}

void load_trained_weights(const std::string& path, const ImportedModel& model,
                          const std::string& model_name, Net& net) {
  if (!path.empty()) return load_model_weights(path, model.spec, net);
  if (model.weights.empty())
    throw ParamError("--weights is required: " + model_name + " holds no weights");
  for (const NamedTensor& w : model.weights) net.param(w.name).value.copy_from(w.tensor);
}

}  // namespace svertka::cli
