// Test-time views of samples already in memory and already in the net's input space (normalised
// as the net expects): numpy arrays from Python, a tensor a program holds. A view is cut from a
// sample as ImageViewSource cuts it from a decoded file: a crop of the net's input size at a
// 10-crop position, one of GoogLeNet's squares (cropped, or resized whole to the input size), or the
// whole sample for dense evaluation. A view with a scale S first resizes the sample so its shorter
// side is S (bilinear; area averaging when shrinking 2x or more, as image files are resized).
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "svertka/eval/views.h"

namespace svertka {

class TensorViewSource final : public ViewSource {
 public:
  // `data`: the samples (N, C, H, W), which must outlive this; `input` (C, h, w), the net's input.
  // ShapeError where the channels differ.
  TensorViewSource(const float* data, Shape samples, Shape input, int64_t classes);

  int64_t size() const override { return samples_[0]; }
  int64_t num_classes() const override { return classes_; }
  Shape crop_shape() const override { return input_; }
  Shape whole_shape(int64_t index, const View& view) const override;
  bool uniform_whole_shape() const override { return true; }  // the samples share one shape
  // Every label 0. ShapeError for a crop larger than the (resized) sample.
  void fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const override;

 private:
  struct Planes {  // (C, height, width) floats
    const float* data = nullptr;
    int64_t height = 0, width = 0;
  };
  // Sample `index` at shorter side `scale` (0: as it is), resized once per fill and kept.
  Planes sample(int64_t index, int64_t scale) const;

  const float* data_;
  Shape samples_, input_;
  int64_t classes_;
  mutable std::map<std::pair<int64_t, int64_t>, std::pair<std::vector<float>, Planes>> resized_;
};

}  // namespace svertka
