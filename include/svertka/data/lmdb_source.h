// A BatchSource over a Caffe LMDB (convert_imageset, convert_mnist_data, `svertka convert-images`):
// record i (in the database's key order) is a Datum (caffe_datum.h), raw pixels or an encoded
// JPEG/PNG, transformed as Caffe's Data layer does (caffe_transform.h). Every record must have the
// first one's size, as in Caffe. Read and transformed by the pipeline's worker threads.
#pragma once

#include <memory>
#include <string>

#include "svertka/data/batch_source.h"
#include "svertka/data/caffe_transform.h"
#include "svertka/data/lmdb.h"

namespace svertka {

struct LmdbSourceOptions {
  CaffeTransform transform;
  // Classes; 0: the largest label + 1, found by one pass over the labels when opening.
  int64_t num_classes = 0;
};

class LmdbBatchSource final : public BatchSource {
 public:
  // Opens `path` and reads its first record for the size. IoError / DataError naming the path
  // (and the key) for a database that cannot be read, a malformed first record or, without
  // num_classes, a malformed label; ShapeError for a transform that does not fit the images;
  // DataError for a label outside [0, num_classes).
  LmdbBatchSource(const std::string& path, LmdbSourceOptions options);

  int64_t size() const override { return reader_->size(); }
  Shape sample_shape() const override { return sample_shape_; }
  int64_t num_classes() const override { return num_classes_; }
  // Parallel over samples (OpenMP). DataError naming the file and key for a record that does not
  // parse, decode, or has another size than the first, or whose label is out of range.
  void fill(std::span<const int64_t> indices, bool augment, uint64_t seed, uint64_t epoch,
            Tensor& images, Tensor& labels) const override;

  // Record `index` transformed into dst (sample_shape()); returns its label.
  int64_t load_sample(int64_t index, bool augment, uint64_t seed, uint64_t epoch,
                      float* dst) const;
  const std::string& path() const { return reader_->path(); }
  const CaffeTransform& transform() const { return options_.transform; }
  bool encoded() const { return encoded_; }
  // The records' (C,H,W) before the transform.
  const Shape& record_shape() const { return record_shape_; }

 private:
  std::unique_ptr<LmdbReader> reader_;
  LmdbSourceOptions options_;
  bool encoded_ = false;
  Shape record_shape_, sample_shape_;
  int64_t num_classes_ = 0;
};

}  // namespace svertka
