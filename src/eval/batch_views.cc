#include "svertka/eval/batch_views.h"

#include "svertka/error.h"

namespace svertka {

void BatchViewSource::fill(std::span<const SampleView> items, Tensor& images,
                           Tensor& labels) const {
  std::vector<int64_t> indices;
  for (const SampleView& item : items) {
    const View& v = item.view;
    const bool centre = v.whole_image || (v.crop_y == 0.5 && v.crop_x == 0.5);
    if (!centre || v.flip || v.square >= 0 || (v.scale != 0 && v.scale != crop_shape()[1]))
      throw ParamError("these samples come at one size and crop (a Caffe LMDB's transform): "
                       "evaluate them with --crops center");
    indices.push_back(item.index);
  }
  samples_.fill(indices, /*augment=*/false, 0, 0, images, labels);
}

}  // namespace svertka
