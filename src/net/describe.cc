#include "net/net_internal.h"
#include "svertka/infer_shapes.h"

namespace svertka {

LayerInfo describe_layer(const LayerSpec& layer, const LayerShapes& shapes) {
  LayerInfo info{layer.name, std::string(layer.op->type()), shapes.tops, 0,
                 layer.op->forward_macs(shapes.bottoms)};
  for (const Shape& s : layer.op->param_shapes(shapes.bottoms)) info.params += s.numel();
  return info;
}

std::vector<LayerInfo> describe_layers(const NetSpec& spec, Phase phase) {
  std::vector<LayerInfo> infos;
  const NetShapes inferred = infer_shapes(spec, phase);
  for (const LayerShapes& shapes : inferred.layers)
    infos.push_back(describe_layer(spec.layers[shapes.index], shapes));
  return infos;
}

}  // namespace svertka
