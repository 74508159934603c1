// Arrays that are already the net's input, as the evaluator's ViewSource: the centre view of a
// sample is the sample itself, so predictions from arrays go through the evaluator (softmax,
// top 5) exactly as predictions from image files do.
#pragma once

#include <cstring>

#include "svertka/error.h"
#include "svertka/eval/views.h"

namespace svertka::python {

class ArrayViews final : public ViewSource {
 public:
  // `data`: n samples of `sample` (C,H,W) floats, which must outlive this.
  ArrayViews(const float* data, Shape sample, int64_t n, int64_t classes)
      : data_(data), sample_(std::move(sample)), n_(n), classes_(classes) {}

  int64_t size() const override { return n_; }
  int64_t num_classes() const override { return classes_; }
  Shape crop_shape() const override { return sample_; }
  Shape whole_shape(int64_t, const View&) const override { return sample_; }
  void fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const override {
    const int64_t size = sample_.numel();
    for (size_t i = 0; i < items.size(); ++i) {
      const View& v = items[i].view;
      if (v.flip || v.whole_image || v.square >= 0 || v.scale != 0)
        throw ParamError("arrays have only their centre view: crops='center' and no scales");
      std::memcpy(images.data() + int64_t(i) * size, data_ + items[i].index * size,
                  size_t(size) * sizeof(float));
      labels[int64_t(i)] = 0;
    }
  }

 private:
  const float* data_;
  Shape sample_;
  int64_t n_, classes_;
};

}  // namespace svertka::python
