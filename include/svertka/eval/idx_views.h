// Test-time views of IDX (MNIST-sized) samples. Training shifted each image by up to `pad` pixels
// (a crop of the image padded by `pad`), so a view is such a crop: the 10 views are the 4 extreme
// shifts and no shift, mirrored and not; the centre view and the dense view are the image itself.
#pragma once

#include "svertka/eval/batch_views.h"

namespace svertka {

class IdxViewSource final : public SampleSizedViews {
 public:
  // `source` must outlive this. ParamError for a negative pad.
  IdxViewSource(const IdxBatchSource& source, int64_t pad);

  // ParamError for views IDX images cannot give: a rescale or GoogLeNet's squares.
  void fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const override;

 private:
  const IdxBatchSource& source_;
  int64_t pad_;
};

}  // namespace svertka
