// Photometric distortions in the manner GoogLeNet took from Howard (2013), as fb.resnet.torch's
// ColorJitter realises them: brightness, contrast and saturation, each scaled by a factor drawn
// uniformly from [1 - s, 1 + s], applied in a random order to an 8-bit BGR image:
//   brightness  x * f                  (a blend with black)
//   contrast    (x - m) * f + m        m: the mean grey level of the whole image
//   saturation  (x - g) * f + g        g: the pixel's grey level, 0.299 R + 0.587 G + 0.114 B
// computed in float and rounded and clamped to 0..255 once at the end.
#pragma once

#include <array>
#include <cstdint>

#include "svertka/data/image.h"

namespace svertka {

// One sample's draws.
struct ColourJitterDraw {
  std::array<float, 3> factors{1, 1, 1};  // brightness, contrast, saturation
  std::array<uint8_t, 3> order{0, 1, 2};  // indices into factors, in the order applied
};

// The draw from three uniforms in [0, 1) (the factors) and a permutation index in [0, 6).
ColourJitterDraw colour_jitter_draw(float strength, const std::array<double, 3>& uniforms,
                                    uint64_t permutation);

// The image distorted (a new image; `bgr` has 3 channels and left unchanged).
Image colour_jitter(const Image& bgr, const ColourJitterDraw& draw);

}  // namespace svertka
