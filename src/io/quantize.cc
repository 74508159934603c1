// Calibration (ActivationRanges), quantize_model and quantized_model: int8_model.h.
#include <algorithm>
#include <cmath>

#include "svertka/error.h"
#include "svertka/io/int8_model.h"
#include "svertka/ops/conv.h"
#include "svertka/ops/inner_product.h"

namespace svertka {
namespace {

bool quantizable(const LayerSpec& layer) {
  return dynamic_cast<const ConvOp*>(layer.op.get()) ||
         dynamic_cast<const InnerProductOp*>(layer.op.get());
}

// Layers of the inference net: not those only in TRAIN (GoogLeNet's auxiliary heads), which stay
// fp32 in the file.
bool runs_in_test(const LayerSpec& layer) {
  return !layer.only_in || *layer.only_in == Phase::kTest;
}

// The weight codes and per-output-channel scales of `w` (O, ...).
std::pair<Tensor, Tensor> quantize_weight(const Tensor& w) {
  const int64_t rows = w.dim(0), per_row = w.numel() / rows;
  Tensor codes(w.shape()), scales(Shape{rows});
  for (int64_t o = 0; o < rows; ++o) {
    float largest = 0;
    for (int64_t i = 0; i < per_row; ++i)
      largest = std::max(largest, std::fabs(w[o * per_row + i]));
    const float scale = largest > 0 ? largest / 127 : 1;  // a channel of zeros: codes 0
    scales[o] = scale;
    for (int64_t i = 0; i < per_row; ++i)
      codes[o * per_row + i] =
          std::clamp(std::nearbyint(w[o * per_row + i] / scale), -127.0f, 127.0f);
  }
  return {std::move(codes), std::move(scales)};
}

Tensor scalar(float value) {
  Tensor t(Shape{1});
  t[0] = value;
  return t;
}

}  // namespace

ActivationRanges::ActivationRanges(const NetSpec& spec) {
  for (const LayerSpec& layer : spec.layers)
    if (quantizable(layer) && runs_in_test(layer) && !layer.bottoms.empty() &&
        std::find(blobs_.begin(), blobs_.end(), layer.bottoms[0]) == blobs_.end())
      blobs_.push_back(layer.bottoms[0]);
}

void ActivationRanges::observe(const Net& net) {
  for (const std::string& name : blobs_) {
    const Tensor& blob = net.blob(name);
    const Tensor host = blob.on_host() ? Tensor() : blob.to_host();
    const Tensor& x = blob.on_host() ? blob : host;
    const auto [lo, hi] = std::minmax_element(x.data(), x.data() + x.numel());
    auto [it, fresh] = ranges_.try_emplace(name, Range{*lo, *hi});
    if (!fresh) it->second = {std::min(it->second.min, *lo), std::max(it->second.max, *hi)};
  }
  ++passes_;
}

const ActivationRanges::Range& ActivationRanges::range(const std::string& blob) const {
  const auto it = ranges_.find(blob);
  if (it == ranges_.end()) throw NotFoundError("no calibration range for blob '" + blob + "'");
  return it->second;
}

std::vector<NamedTensor> quantize_model(const ImportedModel& model, const ActivationRanges& ranges,
                                        const QuantizeOptions& options) {
  if (ranges.passes() == 0) throw ParamError("quantize: no calibration pass was observed");
  for (const std::string& name : options.keep_fp32) {
    const bool found =
        std::any_of(model.spec.layers.begin(), model.spec.layers.end(),
                    [&](const LayerSpec& l) { return l.name == name && quantizable(l); });
    if (!found)
      throw ParamError("quantize: '" + name +
                       "' (to keep in fp32) is no convolution or inner "
                       "product of model '" +
                       model.spec.name + "'");
  }
  std::map<std::string, const LayerSpec*> int8;  // weight name -> its layer
  for (const LayerSpec& layer : model.spec.layers)
    if (quantizable(layer) && runs_in_test(layer) && !options.keep_fp32.contains(layer.name))
      int8[layer.name + ".weight"] = &layer;
  std::vector<NamedTensor> out;
  for (const NamedTensor& t : model.weights) {
    const auto it = int8.find(t.name);
    if (it == int8.end()) {
      out.push_back({t.name, t.tensor});
      continue;
    }
    const LayerSpec& layer = *it->second;
    const ActivationRanges::Range& r = ranges.range(layer.bottoms.at(0));
    const float largest = std::max(std::fabs(r.min), std::fabs(r.max));
    const float steps = r.min >= 0 ? 255 : 127;
    auto [codes, scales] = quantize_weight(t.tensor.on_host() ? t.tensor : t.tensor.to_host());
    out.push_back({t.name, std::move(codes), StoredType::kI8});
    out.push_back({layer.name + ".weight_scale", std::move(scales)});
    out.push_back({layer.name + ".input_scale", scalar(largest > 0 ? largest / steps : 1)});
    out.push_back({layer.name + ".input_min", scalar(r.min)});
  }
  return out;
}

std::vector<std::string> quantizable_layers(const NetSpec& spec) {
  std::vector<std::string> names;
  for (const LayerSpec& layer : spec.layers)
    if (quantizable(layer) && runs_in_test(layer)) names.push_back(layer.name);
  return names;
}

ImportedModel quantized_model(const ImportedModel& model, const ActivationRanges& ranges,
                              const QuantizeOptions& options) {
  ImportedModel q = model;
  q.weights = quantize_model(model, ranges, options);
  apply_int8(model.weights_source, q.weights, q.spec);
  return q;
}

}  // namespace svertka
