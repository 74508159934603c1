// Shape inference over a NetSpec: the one walk from the inputs through the layers that Net,
// describe_layers, the importers' parameter shapes and the exporters share, so an unknown bottom
// reads the same wherever it is found.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "svertka/net_spec.h"

namespace svertka {

// The shapes one layer reads and writes.
struct LayerShapes {
  size_t index = 0;            // into NetSpec::layers
  std::vector<Shape> bottoms;  // one per LayerSpec::bottoms
  std::vector<Shape> tops;     // one per LayerSpec::tops
};

struct NetShapes {
  std::vector<LayerShapes> layers;     // the layers walked, in spec order
  std::map<std::string, Shape> blobs;  // every input and top -> the shape of its last version
};

// Walks `spec` in order from its inputs through every layer active in `phase`, or through every
// layer whatever its phase when `phase` is empty (auxiliary heads and both phases' data layers).
// Each bottom takes the shape of the input or earlier top of that name. Throws
//  - ShapeError naming the net, the layer and the blob for a bottom that no input or earlier layer
//    produces, saying which it is: a name nothing produces, a cycle, a later layer, or a layer of
//    the other phase;
//  - ParamError naming the layer when it has no op, or its op makes another number of tops than
//    the layer names;
//  - the op's own ShapeError or ParamError (naming the op) for shapes or parameters that do not
//  fit.
NetShapes infer_shapes(const NetSpec& spec, std::optional<Phase> phase);

}  // namespace svertka
