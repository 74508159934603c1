#include "model_options.h"

#include <sstream>
#include <vector>

#include "ops/accuracy.h"
#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/io/onnx.h"
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

int64_t default_crop(const std::string& model) {
  return is_model_file(model) ? 224 : model_info(model).native_height;
}

void load_trained_weights(const std::string& path, const ImportedModel& model,
                          const std::string& model_name, Net& net) {
  if (!path.empty()) return load_model_weights(path, model.spec, net);
  if (model.weights.empty())
    throw ParamError("--weights is required: " + model_name + " holds no weights");
  for (const NamedTensor& w : model.weights) net.param(w.name).value.copy_from(w.tensor);
}

}  // namespace svertka::cli
