#include "svertka/eval/idx_views.h"

#include <algorithm>
#include <cmath>

#include "svertka/error.h"

namespace svertka {
namespace {

bool same_view(const View& a, const View& b) {
  return a.scale == b.scale && a.crop_y == b.crop_y && a.crop_x == b.crop_x && a.flip == b.flip &&
         a.square == b.square && a.whole_square == b.whole_square && a.whole_image == b.whole_image;
}

}  // namespace

IdxViewSource::IdxViewSource(const IdxBatchSource& source, int64_t pad)
    : SampleSizedViews(source), source_(source), pad_(pad) {
  if (pad < 0) throw ParamError("IDX views: pad must be non-negative, got " + std::to_string(pad));
}

void IdxViewSource::fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const {
  const Shape sample = source_.sample_shape();
  const auto batch = static_cast<int64_t>(items.size());
  if (images.shape() != Shape{batch, sample[0], sample[1], sample[2]} ||
      labels.shape() != Shape{batch})
    throw ShapeError("IDX views: tensors " + images.shape().str() + " and " +
                     labels.shape().str() + " do not hold " + std::to_string(batch) +
                     " views of " + sample.str());
  // Runs of items with the same view go through fill_batch_view together.
  const int64_t plane = sample.numel();
  for (int64_t first = 0; first < batch;) {
    const View& v = items[size_t(first)].view;
    if ((v.scale != 0 && v.scale != sample[1]) || v.square >= 0)
      throw ParamError("IDX views: images of " + std::to_string(sample[1]) + "x" +
                       std::to_string(sample[2]) +
                       " cannot be rescaled or cut into squares (use --crops center, 10 or dense)");
    SmallImageView view{.pad = pad_, .dy = pad_, .dx = pad_, .flip = v.flip};
    if (!v.whole_image) {
      view.dy = std::llround(v.crop_y * double(2 * pad_));
      view.dx = std::llround(v.crop_x * double(2 * pad_));
    }
    int64_t last = first + 1;
    std::vector<int64_t> indices{items[size_t(first)].index};
    for (; last < batch && same_view(items[size_t(last)].view, v); ++last)
      indices.push_back(items[size_t(last)].index);
    const int64_t run = last - first;
    Tensor run_images(Shape{run, sample[0], sample[1], sample[2]}), run_labels(Shape{run});
    if (source_.caffe_transform()) {
      // Caffe's transform: its crop_size at the view's place (the centre: caffe test's), flipped.
      const IdxImages& im = source_.dataset().images;
      const auto offset = [](double u, int64_t room) {  // the centre as Caffe's (room / 2)
        return u == 0.5 ? room / 2 : std::llround(u * double(room));
      };
      const CaffeTransform::Draw draw{
          .y0 = offset(v.whole_image ? 0.5 : v.crop_y, im.rows - sample[1]),
          .x0 = offset(v.whole_image ? 0.5 : v.crop_x, im.cols - sample[2]),
          .flip = v.flip};
      source_.fill_caffe(indices, draw, run_images, run_labels);
    } else {
      fill_batch_view(source_.dataset(), indices, source_.normalization(), view, run_images,
                      run_labels);
    }
    std::copy(run_images.data(), run_images.data() + run * plane, images.data() + first * plane);
    std::copy(run_labels.data(), run_labels.data() + run, labels.data() + first);
    first = last;
  }
}

}  // namespace svertka
