#include <map>

#include "svertka/error.h"
#include "svertka/net.h"

namespace svertka {

std::vector<LayerInfo> describe_layers(const NetSpec& spec, Phase phase) {
  std::map<std::string, Shape> shapes;
  for (const InputSpec& input : spec.inputs) shapes[input.name] = input.shape;
  std::vector<LayerInfo> infos;
  for (const LayerSpec& layer : spec.layers) {
    if (layer.only_in && *layer.only_in != phase) continue;
    std::vector<Shape> bottoms;
    for (const auto& name : layer.bottoms) {
      auto it = shapes.find(name);
      if (it == shapes.end())
        throw ShapeError("net '" + spec.name + "', layer '" + layer.name + "': bottom '" + name +
                         "' is not produced by an input or an earlier layer");
      bottoms.push_back(it->second);
    }
    LayerInfo info{layer.name, std::string(layer.op->type()), layer.op->output_shapes(bottoms), 0,
                   layer.op->forward_macs(bottoms)};
    for (const Shape& s : layer.op->param_shapes(bottoms)) info.params += s.numel();
    for (size_t t = 0; t < layer.tops.size() && t < info.output_shapes.size(); ++t)
      shapes[layer.tops[t]] = info.output_shapes[t];
    infos.push_back(std::move(info));
  }
  return infos;
}

}  // namespace svertka
