// adapt_to_data: an imported net's inputs and accuracy layers as the trainer and evaluator expect.
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "svertka/ops/accuracy.h"
#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/io/model_loading.h"

namespace svertka {
namespace {

bool has_top(const NetSpec& spec, const std::string& blob) {
  for (const LayerSpec& layer : spec.layers)
    for (const std::string& top : layer.tops)
      if (top == blob) return true;
  return false;
}

// Layer `name`: the top-k accuracy of `logits` against "label".
LayerSpec accuracy_layer(const std::string& name, const std::string& logits, int64_t k) {
  AccuracyParams params;
  params.top_k = k;
  auto op = std::make_shared<AccuracyOp>(params);
  op->set_name(name);
  LayerSpec layer;
  layer.name = name;
  layer.op = op;
  layer.bottoms = {logits, kLabelBlob};
  layer.tops = {name};
  return layer;
}

}  // namespace

NetSpec adapt_to_data(NetSpec spec, const std::string& logits, const ModelOptions& options) {
  std::vector<InputSpec*> images;
  bool has_label = false;
  for (InputSpec& input : spec.inputs) {
    if (input.name == kLabelBlob) {
      has_label = true;
      // A Data layer's labels come in its batch_size; the data's batch may be another.
      if (input.shape.rank() == 1) input.shape = Shape{options.batch};
    } else
      images.push_back(&input);
  }
  if (images.size() != 1)
    throw ParamError("net '" + spec.name + "' has " + std::to_string(images.size()) +
                     " image inputs; svertka feeds exactly one");
  // A copy: rename_blob renames the input's own name first, which a reference would follow.
  const std::string image_name = images[0]->name;
  if (image_name != kDataBlob) rename_blob(spec, image_name, kDataBlob);
  images[0]->shape = Shape{options.batch, options.channels, options.height, options.width};
  if (!has_label) spec.inputs.push_back({kLabelBlob, Shape{options.batch}});
  for (const auto& [name, k] :
       {std::pair<std::string, int64_t>{kAccuracyTop1, 1}, {kAccuracyTop5, 5}})
    if (!has_top(spec, name))
      spec.layers.push_back(
          accuracy_layer(name, logits, std::min<int64_t>(k, options.num_classes)));
  return spec;
}

}  // namespace svertka
