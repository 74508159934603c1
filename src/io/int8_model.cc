// apply_int8: a quantized file's tensors (int8_model.h) onto a net spec.
#include "svertka/io/int8_model.h"

#include <cmath>

#include "svertka/error.h"
#include "svertka/ops/conv.h"
#include "svertka/ops/inner_product.h"

namespace svertka {
namespace {

constexpr const char* kScaleSuffixes[] = {".weight_scale", ".input_scale", ".input_min"};

// The Int8Quantization of a convolution or inner product, or null for another layer.
const std::optional<Int8Quantization>* int8_of(const LayerSpec& layer) {
  if (const auto* conv = dynamic_cast<const ConvOp*>(layer.op.get())) return &conv->params().int8;
  if (const auto* ip = dynamic_cast<const InnerProductOp*>(layer.op.get()))
    return &ip->params().int8;
  return nullptr;
}

void set_int8(LayerSpec& layer, const Int8Quantization& q) {
  if (const auto* conv = dynamic_cast<const ConvOp*>(layer.op.get())) {
    ConvParams params = conv->params();
    params.int8 = q;
    layer.op = std::make_shared<ConvOp>(params);
  } else {
    InnerProductParams params = dynamic_cast<const InnerProductOp&>(*layer.op).params();
    params.int8 = q;
    layer.op = std::make_shared<InnerProductOp>(params);
  }
}

NamedTensor* find(std::vector<NamedTensor>& tensors, const std::string& name) {
  for (NamedTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

// The F32 tensor `name` of `shape` with finite values, positive unless `any_sign`.
const Tensor& scale_tensor(const std::string& source, std::vector<NamedTensor>& tensors,
                           const std::string& layer, const std::string& name, const Shape& shape,
                           bool any_sign) {
  const std::string where = source + ": int8 layer '" + layer + "': ";
  const NamedTensor* t = find(tensors, name);
  if (!t) throw IoError(where + "has no tensor '" + name + "'");
  if (t->stored != StoredType::kF32) throw IoError(where + "'" + name + "' must be F32");
  if (t->tensor.shape() != shape)
    throw IoError(where + "'" + name + "' has shape " + t->tensor.shape().str() + ", expected " +
                  shape.str());
  for (int64_t i = 0; i < t->tensor.numel(); ++i) {
    const float v = t->tensor[i];
    if (!std::isfinite(v) || (!any_sign && !(v > 0)))
      throw IoError(where + "'" + name + "' holds " + std::to_string(v) + " at element " +
                    std::to_string(i) +
                    (any_sign ? " (must be finite)" : " (must be finite and > 0)"));
  }
  return t->tensor;
}

bool names_int8_layer(const std::vector<NamedTensor>& tensors, const std::string& layer) {
  for (const NamedTensor& t : tensors) {
    if (t.name == layer + ".weight" && t.stored == StoredType::kI8) return true;
    for (const char* suffix : kScaleSuffixes)
      if (t.name == layer + suffix) return true;
  }
  return false;
}

// Layer `layer`'s codes into fp32 weights and its op's Int8Quantization.
void apply_layer(const std::string& source, std::vector<NamedTensor>& tensors, LayerSpec& layer) {
  const std::string where = source + ": int8 layer '" + layer.name + "': ";
  NamedTensor* weight = find(tensors, layer.name + ".weight");
  if (!weight) throw IoError(where + "has no tensor '" + layer.name + ".weight'");
  if (weight->stored != StoredType::kI8)
    throw IoError(where + "'" + weight->name + "' must be I8 (the weight codes) beside its scales");
  Tensor& w = weight->tensor;
  const int64_t rows = w.shape().rank() > 0 ? w.dim(0) : 0;
  const Tensor& scales =
      scale_tensor(source, tensors, layer.name, layer.name + ".weight_scale", Shape{rows}, false);
  const float input_scale =
      scale_tensor(source, tensors, layer.name, layer.name + ".input_scale", Shape{1}, false)[0];
  const float input_min =
      scale_tensor(source, tensors, layer.name, layer.name + ".input_min", Shape{1}, true)[0];
  const int64_t per_row = rows > 0 ? w.numel() / rows : 0;
  for (int64_t o = 0; o < rows; ++o)
    for (int64_t i = 0; i < per_row; ++i) w[o * per_row + i] *= scales[o];
  weight->stored = StoredType::kF32;
  set_int8(layer, {.input_scale = input_scale, .input_min = input_min});
}

}  // namespace

void apply_int8(const std::string& source, std::vector<NamedTensor>& tensors, NetSpec& spec) {
  std::set<std::string> applied;
  for (LayerSpec& layer : spec.layers) {
    if (!names_int8_layer(tensors, layer.name)) continue;
    if (!int8_of(layer))
      throw IoError(source + ": has int8 scales for layer '" + layer.name + "', a " +
                    std::string(layer.op->type()) +
                    " (only convolutions and inner products are "
                    "quantized)");
    apply_layer(source, tensors, layer);
    applied.insert(layer.name);
  }
  // Leftovers: codes or scales of layers the net does not have.
  for (const NamedTensor& t : tensors) {
    const bool scale = t.name.ends_with(".weight_scale") || t.name.ends_with(".input_scale") ||
                       t.name.ends_with(".input_min");
    if (t.stored == StoredType::kI8 ||
        (scale && !applied.contains(t.name.substr(0, t.name.rfind('.')))))
      throw IoError(source + ": tensor '" + t.name + "' is int8 data for no layer of net '" +
                    spec.name + "'");
  }
  std::erase_if(tensors, [&](const NamedTensor& t) {
    for (const char* suffix : kScaleSuffixes)
      if (t.name.ends_with(suffix) && applied.contains(t.name.substr(0, t.name.rfind('.'))))
        return true;
    return false;
  });
}

std::vector<std::string> int8_layers(const NetSpec& spec) {
  std::vector<std::string> names;
  for (const LayerSpec& layer : spec.layers)
    if (const auto* q = int8_of(layer); q && q->has_value()) names.push_back(layer.name);
  return names;
}

}  // namespace svertka
