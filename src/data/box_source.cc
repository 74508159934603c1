#include "svertka/data/box_source.h"

#include <exception>

#include "svertka/data/image_decode.h"
#include "svertka/error.h"

namespace svertka {

BoxBatchSource::BoxBatchSource(BoxList list, ImageSourceOptions options)
    : list_(std::move(list)), options_(std::move(options)) {
  check_transform_options(options_.transform);
  if (options_.transform.area_crop.enabled)
    throw ParamError("box dataset '" + list_.images.source +
                     "': GoogLeNet's area crops are not supported with boxes (the boxes would "
                     "not follow the patch)");
  if (list_.images.entries.empty())
    throw DataError("box dataset '" + list_.images.source + "' is empty");
  if (list_.boxes.size() != list_.images.entries.size())
    throw DataError("box dataset '" + list_.images.source + "': " +
                    std::to_string(list_.boxes.size()) + " box sets for " +
                    std::to_string(list_.images.entries.size()) + " images");
}

void BoxBatchSource::fill(std::span<const int64_t> indices, bool augment, uint64_t seed,
                          uint64_t epoch, Tensor& images, Tensor& labels) const {
  Tensor targets(Shape{int64_t(indices.size()), 4});
  fill_boxes(indices, augment, seed, epoch, images, labels, targets);
}

void BoxBatchSource::fill_boxes(std::span<const int64_t> indices, bool augment, uint64_t seed,
                                uint64_t epoch, Tensor& images, Tensor& labels, Tensor& targets,
                                std::vector<std::vector<Box>>* truth) const {
  const int64_t batch = int64_t(indices.size()), c = crop();
  const Shape images_shape{batch, channels(), c, c}, labels_shape{batch}, targets_shape{batch, 4};
  if (images.shape() != images_shape || labels.shape() != labels_shape ||
      targets.shape() != targets_shape)
    throw ShapeError("box batch: tensors are " + images.shape().str() + ", " +
                     labels.shape().str() + " and " + targets.shape().str() + ", expected " +
                     images_shape.str() + ", " + labels_shape.str() + " and " +
                     targets_shape.str());
  for (const int64_t i : indices)
    if (i < 0 || i >= size())
      throw ParamError("box batch: index " + std::to_string(i) + " is out of range for " +
                       std::to_string(size()) + " images");
  if (truth) truth->assign(size_t(batch), {});
  std::vector<std::exception_ptr> errors(static_cast<size_t>(batch));
#pragma omp parallel for schedule(dynamic)
  for (int64_t b = 0; b < batch; ++b) {
    try {
      const int64_t index = indices[size_t(b)];
      const ImageEntry& entry = list_.images.entries[size_t(index)];
      const ImageTransformOptions& t = options_.transform;
      const SampleDraw draw = draw_sample(t, augment, seed, epoch, index);
      // Full size: the boxes are in the original image's pixels.
      const Image image =
          decode_image(read_file_bytes(entry.path), entry.path, 0, 0, int(t.channels));
      transform_image(image, t, draw, images.data() + b * channels() * c * c);
      labels[b] = float(entry.label);
      const std::vector<Box>& boxes = list_.boxes[size_t(index)];
      for (size_t k = 0; k < boxes.size(); ++k) {
        check_box(boxes[k], image.width(), image.height(),
                  entry.origin + " ('" + entry.path + "')");
        const Box moved = transform_box(boxes[k], image.height(), image.width(), t, draw);
        if (k == 0) {
          const Box u = to_unit(moved, double(c));
          float* row = targets.data() + b * 4;
          row[0] = float(u.x1), row[1] = float(u.y1), row[2] = float(u.x2), row[3] = float(u.y2);
        }
        if (truth) (*truth)[size_t(b)].push_back(moved);
      }
    } catch (...) {
      errors[size_t(b)] = std::current_exception();
    }
  }
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace svertka
