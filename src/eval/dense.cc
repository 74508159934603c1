#include "svertka/eval/dense.h"

#include <algorithm>
#include <map>
#include <set>

#include "svertka/ops/conv.h"
#include "svertka/ops/inner_product.h"
#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/infer_shapes.h"

namespace svertka {
namespace {

bool needs_labels(const LayerSpec& layer) {
  return layer.op->is_loss() || layer.op->type() == "Accuracy";
}

}  // namespace

NetSpec fully_convolutional(const NetSpec& spec, const Shape& input) {
  // Shapes of every blob of `spec` in TEST, at the spec's own input size.
  const std::map<std::string, Shape> shapes = infer_shapes(spec, Phase::kTest).blobs;
  NetSpec dense;
  dense.name = spec.name + "_dense";
  std::set<std::string> available;
  for (const InputSpec& in : spec.inputs) {
    if (in.name == kLabelBlob) continue;
    if (in.shape.rank() != 4 || input.rank() != 4 || in.shape[1] != input[1] ||
        input[2] < in.shape[2] || input[3] < in.shape[3])
      throw ShapeError("dense evaluation of '" + spec.name + "': input " + input.str() +
                       " must have the channels of " + in.shape.str() + " and be no smaller");
    dense.inputs.push_back({in.name, input});
    available.insert(in.name);
  }
  for (const LayerSpec& layer : spec.layers) {
    if (layer.only_in && *layer.only_in != Phase::kTest) continue;
    if (needs_labels(layer)) continue;
    const bool inputs_ready = std::all_of(layer.bottoms.begin(), layer.bottoms.end(),
                                          [&](const std::string& b) { return available.count(b); });
    if (!inputs_ready) continue;  // downstream of a removed layer
    LayerSpec converted = layer;
    if (const auto* ip = dynamic_cast<const InnerProductOp*>(layer.op.get())) {
      const Shape& x = shapes.at(layer.bottoms.at(0));
      ConvParams conv;
      conv.out_channels = ip->params().out_features;
      conv.kernel_h = x.rank() == 4 ? x[2] : 1;
      conv.kernel_w = x.rank() == 4 ? x[3] : 1;
      conv.bias = ip->params().bias;
      auto op = std::make_shared<ConvOp>(conv);
      op->set_name(layer.name);
      converted.op = op;
    }
    for (const std::string& top : layer.tops) available.insert(top);
    dense.layers.push_back(std::move(converted));
  }
  return dense;
}

void copy_params_reshaped(const Net& from, Net& to) {
  for (const Parameter& source : from.params()) {
    Parameter& target = to.param(source.name);
    if (source.value.numel() != target.value.numel())
      throw ShapeError("parameter '" + source.name + "' has " + source.value.shape().str() +
                       ", which does not fit " + target.value.shape().str());
    std::copy(source.value.data(), source.value.data() + source.value.numel(),
              target.value.data());
  }
}

}  // namespace svertka
