// load_model: a zoo name or net file, adapted to the data, with its weights; make_net.
#include "svertka/io/model_loading.h"

#include <cmath>
#include <set>

#include "svertka/error.h"
#include "svertka/io/caffe.h"
#include "svertka/io/int8_model.h"
#include "svertka/io/onnx.h"
#include "svertka/io/safetensors.h"

namespace svertka {
namespace {

// Weights holding NaN or Inf give NaN scores: an error naming the value, not a model that runs.
void check_finite(const std::string& source, const std::string& name, const Tensor& tensor) {
  const Tensor host = tensor.on_host() ? tensor : tensor.to_host();
  for (int64_t i = 0, n = host.numel(); i < n; ++i)
    if (!std::isfinite(host[i]))
      throw DataError(source + ": tensor '" + name + "' holds " + std::to_string(host[i]) +
                      " at element " + std::to_string(i) + " (weights must be finite)");
}

}  // namespace

bool is_model_file(const std::string& name_or_file) {
  return name_or_file.ends_with(".prototxt") || name_or_file.ends_with(".onnx");
}

ImportedModel import_model(const std::string& name_or_file, const ModelOptions& options,
                           Phase phase) {
  if (name_or_file.ends_with(".prototxt"))
    return load_caffe_net(
        name_or_file,
        {.phase = phase,
         .data_shape = options.height > 0 ? Shape{options.channels, options.height, options.width}
                                          : Shape{}});
  if (name_or_file.ends_with(".onnx")) {
    ImportedModel model = load_onnx(name_or_file, {.batch = options.batch});
    if (!model.weights.empty()) model.weights_source = name_or_file;
    return model;
  }
  return ImportedModel{build_model(name_or_file, options), {}, model_info(name_or_file).logits, ""};
}

std::vector<NamedTensor> read_model_weights(const std::string& path, NetSpec& spec) {
  if (path.ends_with(".caffemodel")) return load_caffemodel(path, spec);
  std::vector<NamedTensor> tensors = load_safetensors(path).tensors;
  apply_int8(path, tensors, spec);
  std::set<std::string> params;  // "<layer>.<param>" of every layer, whatever its phase
  for (const LayerSpec& layer : spec.layers)
    for (const std::string& name : layer.op->param_names()) params.insert(layer.name + "." + name);
  std::vector<NamedTensor> weights;
  for (NamedTensor& tensor : tensors)
    if (params.contains(tensor.name)) weights.push_back(std::move(tensor));
  return weights;
}

ImportedModel load_model(const std::string& name_or_file, const std::string& weights,
                         const LoadModelOptions& options) {
  ImportedModel model = import_model(name_or_file, options.model, options.phase);
  if (is_model_file(name_or_file))
    model.spec = adapt_to_data(std::move(model.spec), model.logits, options.model);
  if (!weights.empty()) {
    model.weights = read_model_weights(weights, model.spec);
    model.weights_source = weights;
  } else if (options.require_weights && model.weights.empty()) {
    throw ParamError("model '" + name_or_file + "' holds no weights and no weights file was given");
  }
  return model;
}

std::unique_ptr<Net> make_net(const ImportedModel& model, const NetOptions& options) {
  // The net shares the weights' buffers where it can, so they are held once, not twice.
  NetOptions sharing = options;
  for (const NamedTensor& w : model.weights) sharing.shared_params.emplace(w.name, w.tensor);
  auto net = std::make_unique<Net>(model.spec, sharing);
  if (model.weights.empty()) return net;
  std::map<std::string, const Tensor*> weights;
  for (const NamedTensor& w : model.weights) weights[w.name] = &w.tensor;
  for (Parameter& p : net->params()) {
    const auto it = weights.find(p.name);
    if (it == weights.end())
      throw IoError(model.weights_source + ": has no tensor '" + p.name + "' for model '" +
                    net->name() + "'");
    if (it->second->shape() != p.value.shape())
      throw IoError(model.weights_source + ": tensor '" + p.name + "' has shape " +
                    it->second->shape().str() + ", the model expects " + p.value.shape().str());
    check_finite(model.weights_source, p.name, *it->second);
    if (p.value.data() != it->second->data()) p.value.copy_from(*it->second);
  }
  return net;
}

}  // namespace svertka
