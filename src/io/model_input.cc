// model_input: the channels and crop of the images a model takes.
#include <algorithm>
#include <map>
#include <optional>

#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/io/model_loading.h"
#include "svertka/io/safetensors.h"

namespace svertka {
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
  if (!path.ends_with(".safetensors")) return std::nullopt;
  for (const LayerSpec& layer : spec.layers) {
    const std::vector<std::string> params = layer.op->param_names();
    if (params.empty() ||
        std::find(layer.bottoms.begin(), layer.bottoms.end(), input) == layer.bottoms.end())
      continue;
    const std::string name = layer.name + "." + params[0];
    const Shape ours = infer_param_shapes(spec).at(name);
    const std::map<std::string, Shape> theirs = read_safetensors_shapes(path);
    const auto it = theirs.find(name);
    if (ours.rank() != 4 || it == theirs.end() || it->second.rank() != 4 || ours[1] <= 0)
      return std::nullopt;
    int64_t product = 0;  // the file's dimension is any int64
    if (__builtin_mul_overflow(it->second[1], channels, &product)) return std::nullopt;
    return product / ours[1];
  }
  return std::nullopt;
}

}  // namespace

ModelInput model_input(const std::string& name_or_file, const std::string& weights, Phase phase) {
  ModelInput result;
  const NetSpec spec = import_model(name_or_file, ModelOptions{}, phase).spec;
  const InputSpec& input = image_input(spec, name_or_file);
  const Shape& shape = input.shape;  // (N,C,H,W)
  if (shape.rank() != 4)
    throw ShapeError("net '" + name_or_file + "': the image input '" + input.name + "' is " +
                     shape.str() + ", expected (N,C,H,W)");
  result.channels = shape[1];
  if (!is_model_file(name_or_file))
    result.crop = model_info(name_or_file).native_height;
  else if (shape[2] == shape[3] && shape[2] > 0)
    result.crop = shape[2];
  if (!weights.empty())
    result.channels = weights_channels(spec, input.name, shape[1], weights).value_or(shape[1]);
  if (result.channels != 1 && result.channels != 3)
    throw ShapeError("model '" + name_or_file + "'" +
                     (weights.empty() ? "" : " with '" + weights + "'") + " takes " +
                     std::to_string(result.channels) +
                     "-channel images; images are decoded to 1 (greyscale) or 3 (colour) channels");
  return result;
}

}  // namespace svertka
