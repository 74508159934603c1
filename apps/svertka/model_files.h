// What `svertka summary` prints and how `svertka convert` writes a model, for the CLI and the
// Python module (python/src/model.cc) alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "svertka/data/input_transform.h"
#include "svertka/io/imported_model.h"
#include "svertka/net.h"

namespace svertka::cli {

// One row per layer (name, type, output shape, parameters, MACs), then the totals.
std::string summary_table(const std::vector<LayerInfo>& layers);

// "safetensors", "caffe" or "onnx": `to` when given (ParamError for anything else), else by the
// extension of `out` (.safetensors; .prototxt or .caffemodel; .onnx; ParamError otherwise).
std::string model_format(const std::string& out, const std::string& to = "");

// Writes `spec` with `weights` to `out` in `format` (model_format): safetensors (the weights,
// `source` and the input `transform`, when known, in the metadata), Caffe (a .prototxt and a
// .caffemodel beside it) or ONNX. Returns the files written.
std::vector<std::string> save_model(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                                    const std::string& out, const std::string& format,
                                    const std::string& source,
                                    const std::optional<InputTransform>& transform = std::nullopt);

}  // namespace svertka::cli
