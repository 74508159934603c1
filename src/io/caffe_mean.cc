// Caffe's mean files (compute_image_mean's mean.binaryproto): one BlobProto of shape (1,C,H,W),
// written with the legacy num/channels/height/width fields as compute_image_mean does; read in
// either that form or BlobShape's.
#include <limits>

#include "caffe.pb.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

// The blob's dimensions: `shape` when present, else the legacy four.
std::vector<int64_t> blob_dims(const caffe::BlobProto& blob) {
  if (blob.has_shape()) return {blob.shape().dim().begin(), blob.shape().dim().end()};
  return {blob.num(), blob.channels(), blob.height(), blob.width()};
}

}  // namespace

Tensor load_caffe_mean(const std::string& path) {
  caffe::BlobProto blob;
  proto_io::parse_binary(path, blob);
  std::vector<int64_t> dims = blob_dims(blob);
  if (dims.size() == 4 && dims[0] == 1) dims.erase(dims.begin());
  if (dims.size() != 3)
    throw IoError(path + ": a mean file holds one (1,C,H,W) blob; this one has " +
                  std::to_string(blob_dims(blob).size()) + " dimensions" +
                  (blob_dims(blob).size() == 4 ? " and num " + std::to_string(blob_dims(blob)[0])
                                               : std::string()));
  int64_t count = 1;
  for (const int64_t d : dims) {
    if (d <= 0 || d > (int64_t(1) << 20))
      throw IoError(path + ": the mean blob has a dimension of " + std::to_string(d));
    count *= d;
  }
  const bool doubles = blob.data_size() == 0 && blob.double_data_size() > 0;
  const int64_t given = doubles ? blob.double_data_size() : blob.data_size();
  if (given != count)
    throw IoError(path + ": the mean blob is " + Shape{dims[0], dims[1], dims[2]}.str() + " (" +
                  std::to_string(count) + " values) but holds " + std::to_string(given));
  Tensor mean(Shape{dims[0], dims[1], dims[2]});
  for (int64_t i = 0; i < count; ++i)
    mean[i] = doubles ? float(blob.double_data(int(i))) : blob.data(int(i));
  return mean;
}

void save_caffe_mean(const std::string& path, const Tensor& mean) {
  if (mean.shape().rank() != 3)
    throw ShapeError("save_caffe_mean: the mean is " + mean.shape().str() + ", not (C,H,W)");
  if (mean.numel() > std::numeric_limits<int>::max())
    throw ShapeError("save_caffe_mean: the mean is too large for a BlobProto");
  caffe::BlobProto blob;
  blob.set_num(1);
  blob.set_channels(int32_t(mean.shape()[0]));
  blob.set_height(int32_t(mean.shape()[1]));
  blob.set_width(int32_t(mean.shape()[2]));
  blob.mutable_data()->Reserve(int(mean.numel()));
  for (int64_t i = 0; i < mean.numel(); ++i) blob.add_data(mean[i]);
  proto_io::write_binary(path, blob);
}

}  // namespace svertka
