// .caffemodel <-> named tensors.
#include <map>

#include "io/caffe_layers.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

// The blob's values with the shape it declares (for messages only).
Tensor read_blob(const caffe::BlobProto& blob, const Shape& ours, const std::string& where) {
  Shape theirs;
  if (blob.has_shape()) {
    theirs = Shape(std::vector<int64_t>(blob.shape().dim().begin(), blob.shape().dim().end()));
  } else {
    theirs = Shape{blob.num(), blob.channels(), blob.height(), blob.width()};
  }
  const int64_t count = blob.data_size() > 0 ? blob.data_size() : blob.double_data_size();
  if (theirs.numel() != ours.numel() || count != ours.numel())
    throw IoError(where + " holds " + theirs.str() + " (" + std::to_string(count) +
                  " values), expected " + ours.str());
  Tensor tensor(ours);
  for (int64_t i = 0; i < count; ++i)
    tensor[i] = blob.data_size() > 0 ? blob.data(int(i)) : float(blob.double_data(int(i)));
  return tensor;
}

}  // namespace

std::vector<NamedTensor> load_caffemodel(const std::string& path, const NetSpec& spec) {
  caffe::NetParameter net;
  proto_io::parse_binary(path, net);
  std::map<std::string, const google::protobuf::RepeatedPtrField<caffe::BlobProto>*> blobs;
  for (const auto& layer : net.layer()) blobs[layer.name()] = &layer.blobs();
  for (const auto& layer : net.layers()) blobs[layer.name()] = &layer.blobs();

  const std::map<std::string, Shape> shapes = infer_param_shapes(spec);
  std::vector<NamedTensor> weights;
  for (const LayerSpec& layer : spec.layers) {
    const std::vector<std::string> names = layer.op->param_names();
    if (names.empty()) continue;
    const auto it = blobs.find(layer.name);
    if (it == blobs.end() || it->second->size() < int(names.size()))
      throw IoError(path + ": layer '" + layer.name + "' (" + std::string(layer.op->type()) +
                    ") has " + std::to_string(it == blobs.end() ? 0 : it->second->size()) +
                    " blobs, expected " + std::to_string(names.size()));
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string name = layer.name + "." + names[i];
      weights.push_back({name, read_blob(it->second->Get(int(i)), shapes.at(name),
                                         path + ": blob " + std::to_string(i) + " of layer '" +
                                             layer.name + "'")});
    }
  }
  return weights;
}

}  // namespace svertka
