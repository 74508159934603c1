// ImageNet's published RGB statistics, the defaults of the image transforms when no `svertka mean`
// file is given.
#pragma once

#include <array>

#include "svertka/data/image_transform.h"

namespace svertka {

// The per-channel RGB means of ImageNet's training set in 0..255, as Caffe and torchvision use
// them.
inline constexpr std::array<float, 3> kImageNetMean{123.68f, 116.78f, 103.94f};

// The RGB eigenpairs behind AlexNet's PCA colour augmentation, as fb.resnet.torch publishes them
// (covariance of values in [0, 1]).
inline constexpr ColourPca kImageNetPca{{0.2175f, 0.0188f, 0.0045f},
                                        {{{-0.5675f, 0.7192f, 0.4009f},
                                          {-0.5808f, -0.0045f, -0.8140f},
                                          {-0.5836f, -0.6948f, 0.4203f}}}};

}  // namespace svertka
