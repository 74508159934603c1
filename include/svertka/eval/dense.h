// VGG's dense evaluation: the fully connected layers as convolutions, so the net runs on a whole
// rescaled image and gives a map of class scores (fc6 of VGG becomes a 7x7 convolution, fc7 and
// fc8 1x1 ones).
#pragma once

#include "svertka/net.h"
#include "svertka/net_spec.h"

namespace svertka {

// `spec` (TEST phase) with every InnerProduct made a Convolution — over a spatial blob, with a
// kernel as large as that blob at the spec's own input size; over a flat one, 1x1 — its image
// input set to `input` (N,C,H,W), and the label input and the layers that need it (loss,
// accuracy) removed. Parameters keep their names and element counts. ShapeError if `input` is
// smaller than the spec's own size.
NetSpec fully_convolutional(const NetSpec& spec, const Shape& input);

// Copies every parameter of `from` into the parameter of the same name in `to`, whose shape may
// differ as long as the element count is the same (an inner product's (O, C*H*W) weight is a
// convolution's (O, C, H, W) one). ShapeError naming the parameter otherwise.
void copy_params_reshaped(const Net& from, Net& to);

}  // namespace svertka
