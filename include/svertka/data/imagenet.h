// ImageNet's published RGB statistics, the defaults of the image transforms when no `svertka mean`
// file is given. Plain arrays, so that code without the image pipeline (and OpenCV) can use them;
// ColourPca{kImageNetPcaEigenvalues, kImageNetPcaEigenvectors} is the transform's form.
#pragma once

#include <array>

namespace svertka {

// The per-channel R, G, B means of ImageNet's training set in 0..255, as Caffe and torchvision use.
inline constexpr std::array<float, 3> kImageNetMean{123.68f, 116.78f, 103.94f};

// The eigenvalues (descending) of the RGB covariance behind AlexNet's PCA colour augmentation, as
// fb.resnet.torch publishes them (values in [0, 1]).
inline constexpr std::array<float, 3> kImageNetPcaEigenvalues{0.2175f, 0.0188f, 0.0045f};

// Their eigenvectors, from the same source: [k][i] is component k (R, G, B) of eigenvector i.
inline constexpr std::array<std::array<float, 3>, 3> kImageNetPcaEigenvectors{
    {{-0.5675f, 0.7192f, 0.4009f}, {-0.5808f, -0.0045f, -0.8140f}, {-0.5836f, -0.6948f, 0.4203f}}};

}  // namespace svertka
