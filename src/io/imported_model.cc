#include "svertka/io/imported_model.h"

#include "svertka/error.h"
#include "svertka/infer_shapes.h"

namespace svertka {

std::map<std::string, Shape> infer_param_shapes(const NetSpec& spec) {
  std::map<std::string, Shape> params;
  const NetShapes inferred = infer_shapes(spec, std::nullopt);
  for (const LayerShapes& shapes : inferred.layers) {
    const LayerSpec& layer = spec.layers[shapes.index];
    const std::vector<Shape> param_shapes = layer.op->param_shapes(shapes.bottoms);
    const std::vector<std::string> names = layer.op->param_names();
    for (size_t i = 0; i < param_shapes.size(); ++i)
      params[layer.name + "." + names.at(i)] = param_shapes[i];
  }
  return params;
}

std::string find_logits(const NetSpec& spec) {
  for (const LayerSpec& layer : spec.layers)
    if (layer.op->type() == "SoftmaxWithLoss") return layer.bottoms.at(0);
  for (auto it = spec.layers.rbegin(); it != spec.layers.rend(); ++it)
    if (it->op->type() == "Softmax") return it->bottoms.at(0);
  if (spec.layers.empty() || spec.layers.back().tops.empty())
    throw NotFoundError("net '" + spec.name + "' has no layer whose output could be class scores");
  return spec.layers.back().tops.front();
}

void rename_blob(NetSpec& spec, const std::string& from, const std::string& to) {
  for (InputSpec& input : spec.inputs)
    if (input.name == from) input.name = to;
  for (LayerSpec& layer : spec.layers) {
    for (std::string& bottom : layer.bottoms)
      if (bottom == from) bottom = to;
    for (std::string& top : layer.tops)
      if (top == from) top = to;
  }
}

}  // namespace svertka
