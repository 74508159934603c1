// What reading a model gives (a file from another framework, or a zoo model by load_model): the
// net, its weights if any, and the blob holding the class scores.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "svertka/io/safetensors.h"
#include "svertka/net_spec.h"

namespace svertka {

struct ImportedModel {
  NetSpec spec;
  std::vector<NamedTensor> weights;  // "<layer>.weight", "<layer>.bias"; empty for a bare net file
  // The class scores: the bottom of the first SoftmaxWithLoss, else of the last Softmax, else the
  // last layer's top.
  std::string logits;
  // Where `weights` came from (a weights file, or the model file), for messages; empty: none.
  std::string weights_source;
};

// The shapes of every learnable parameter, "<layer>.<param>" -> shape, inferred from the input
// shapes through every layer in order whatever its phase (auxiliary heads included), with
// infer_shapes() and its errors.
std::map<std::string, Shape> infer_param_shapes(const NetSpec& spec);

// The blob holding the class scores, by the rule of ImportedModel::logits.
std::string find_logits(const NetSpec& spec);

// Renames a blob in every input, bottom and top (an ONNX input "data_0" becomes "data").
void rename_blob(NetSpec& spec, const std::string& from, const std::string& to);

}  // namespace svertka
