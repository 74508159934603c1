// NetSpec: a network as data — named input blobs and layers wired by blob names (Caffe's
// bottom/top). The builder writes one; Net compiles it; Caffe/ONNX importers will produce one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "svertka/filler.h"
#include "svertka/op.h"

namespace svertka {

// How one learnable parameter of a layer is initialised and trained.
struct ParamSpec {
  Filler filler = Filler::constant(0);
  float lr_mult = 1;     // Caffe: learning-rate multiplier (biases usually 2)
  float decay_mult = 1;  // Caffe: weight-decay multiplier (biases usually 0)
};

struct LayerSpec {
  std::string name;
  std::shared_ptr<const Op> op;
  std::vector<std::string> bottoms, tops;  // top == bottom means in place (ReLU, Dropout)
  std::vector<ParamSpec> params;           // one per Op::param_names(); missing ones use defaults
  // Weight of a loss op in the total loss; default 1 for loss ops, 0 otherwise. GoogLeNet aux: 0.3.
  std::optional<float> loss_weight;
  std::optional<Phase> only_in;  // e.g. kTrain for auxiliary heads
};

struct InputSpec {
  std::string name;
  Shape shape;  // batch first
};

struct NetSpec {
  std::string name;
  std::vector<InputSpec> inputs;
  std::vector<LayerSpec> layers;
  // The file the net was read from (a .prototxt or .onnx), which errors in its layers name;
  // empty for a zoo model or a net built in code.
  std::string source;
};

}  // namespace svertka
