#include "svertka/data/lmdb_source.h"

#include <algorithm>
#include <exception>

#include "svertka/data/caffe_datum.h"
#include "svertka/data/image_decode.h"
#include "svertka/data/image_list.h"
#include "svertka/error.h"

namespace svertka {
namespace {

// An encoded image's own channels, from its header: 1 for a grey PNG (colour type 0 or 4) or a
// one-component JPEG, else 3 (what Caffe's native decoding gives, alpha aside).
int64_t native_channels(const std::vector<uint8_t>& b) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (b.size() > 25 && std::equal(kPng, kPng + 8, b.begin()))
    return (b[25] == 0 || b[25] == 4) ? 1 : 3;
  // JPEG: walk the segments to the first start-of-frame marker; its component count.
  size_t pos = 2;
  while (b.size() >= 2 && b[0] == 0xff && b[1] == 0xd8 && pos + 9 < b.size() && b[pos] == 0xff) {
    const uint8_t marker = b[pos + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
      return b[pos + 9] == 1 ? 1 : 3;
    pos += 2 + size_t(b[pos + 2] << 8 | b[pos + 3]);
  }
  return 3;
}

// An encoded record decoded to (C,H,W) planes in `planes` (resized, not cleared: a worker
// reuses one buffer, so that no sample pays for a fresh zero-filled allocation, which measured a
// third of the reading time).
void decode_planes(const Datum& datum, int64_t channels, const std::string& where, int64_t& height,
                   int64_t& width, std::vector<uint8_t>& planes) {
  const Image image = decode_image(datum.data, where, 0, 0, int(channels));
  height = image.height();
  width = image.width();
  planes.resize(static_cast<size_t>(channels * height * width));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < height; ++y) {
      const uint8_t* row = image.row(y) + c;
      uint8_t* plane = planes.data() + (c * height + y) * width;
      for (int64_t x = 0; x < width; ++x) plane[x] = row[x * channels];
    }
}

Datum read_datum(const LmdbReader& reader, int64_t index) {
  Datum datum;
  reader.read(index, [&](std::span<const uint8_t> bytes) {
    datum = parse_datum(bytes, reader.where(index));
  });
  return datum;
}

}  // namespace

LmdbBatchSource::LmdbBatchSource(const std::string& path, LmdbSourceOptions options)
    : reader_(std::make_unique<LmdbReader>(path)), options_(std::move(options)) {
  const CaffeTransform& t = options_.transform;
  const Datum first = read_datum(*reader_, 0);
  encoded_ = first.encoded;
  if (encoded_) {
    const int64_t channels = t.force_gray ? 1 : t.force_color ? 3 : native_channels(first.data);
    int64_t height = 0, width = 0;
    std::vector<uint8_t> planes;
    decode_planes(first, channels, reader_->where(0), height, width, planes);
    record_shape_ = Shape{channels, height, width};
  } else {
    if (t.force_color || t.force_gray)
      throw ParamError(path +
                       ": force_color / force_gray apply to encoded images; the records "
                       "are raw pixels");
    record_shape_ = Shape{first.channels, first.height, first.width};
  }
  sample_shape_ =
      t.output_shape(record_shape_[0], record_shape_[1], record_shape_[2], reader_->where(0));
  num_classes_ = options_.num_classes;
  if (num_classes_ > 0) return;
  int64_t largest = 0;
  for (int64_t i = 0; i < reader_->size(); ++i)
    reader_->read(i, [&](std::span<const uint8_t> bytes) {
      const int64_t label = parse_datum_label(bytes, reader_->where(i));
      if (label < 0 || label >= kMaxClasses)
        throw DataError(reader_->where(i) + ": label " + std::to_string(label) +
                        " is outside [0, " + std::to_string(kMaxClasses) + ")");
      largest = std::max(largest, label);
    });
  num_classes_ = largest + 1;
}

int64_t LmdbBatchSource::load_sample(int64_t index, bool augment, uint64_t seed, uint64_t epoch,
                                     float* dst) const {
  const Datum datum = read_datum(*reader_, index);
  const std::string where = reader_->where(index);
  if (datum.label < 0 || datum.label >= num_classes_)
    throw DataError(where + ": label " + std::to_string(datum.label) + " is outside [0, " +
                    std::to_string(num_classes_) + ")");
  const int64_t c = record_shape_[0];
  int64_t h = datum.height, w = datum.width;
  thread_local std::vector<uint8_t> planes;  // this worker's, reused
  if (datum.encoded) decode_planes(datum, c, where, h, w, planes);
  if (datum.encoded != encoded_ || (!datum.encoded && datum.channels != c) ||
      h != record_shape_[1] || w != record_shape_[2])
    throw DataError(where + ": the record is " + (datum.encoded ? "an encoded " : "a raw ") +
                    Shape{datum.encoded ? c : datum.channels, h, w}.str() + " image, the first " +
                    (encoded_ ? "an encoded " : "a raw ") + record_shape_.str() +
                    " one (every record must have the same size)");
  const CaffeTransform& t = options_.transform;
  const CaffeTransform::Draw draw = t.draw(h, w, augment, seed, epoch, index);
  if (datum.encoded)
    t.apply(planes.data(), c, h, w, draw, dst);
  else if (!datum.float_data.empty())
    t.apply(datum.float_data.data(), c, h, w, draw, dst);
  else
    t.apply(datum.data.data(), c, h, w, draw, dst);
  return datum.label;
}

void LmdbBatchSource::fill(std::span<const int64_t> indices, bool augment, uint64_t seed,
                           uint64_t epoch, Tensor& images, Tensor& labels) const {
  const int64_t batch = int64_t(indices.size());
  const Shape images_shape{batch, sample_shape_[0], sample_shape_[1], sample_shape_[2]};
  if (images.shape() != images_shape || labels.shape() != Shape{batch})
    throw ShapeError(path() + ": batch tensors are " + images.shape().str() + " and " +
                     labels.shape().str() + ", expected " + images_shape.str() + " and (" +
                     std::to_string(batch) + ")");
  const int64_t sample = sample_shape_.numel();
  // The error of the first failing position is rethrown, the same whatever the thread count.
  std::vector<std::exception_ptr> errors(static_cast<size_t>(batch));
#pragma omp parallel for schedule(dynamic)
  for (int64_t b = 0; b < batch; ++b) {
    try {
      labels[b] =
          float(load_sample(indices[size_t(b)], augment, seed, epoch, images.data() + b * sample));
    } catch (...) {
      errors[size_t(b)] = std::current_exception();
    }
  }
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace svertka
