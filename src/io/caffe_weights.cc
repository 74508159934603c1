// .caffemodel -> named tensors: by layer name, or by the op's own blob mapping where it has one.
#include <map>

#include "core/error_context.h"
#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

using Blobs = google::protobuf::RepeatedPtrField<caffe::BlobProto>;

// The layer's blobs in param_names() order, found by the layer's name (current or V1 layers).
void read_by_name(const std::string& path, const std::map<std::string, const Blobs*>& blobs,
                  const LayerSpec& layer, const std::map<std::string, Shape>& shapes,
                  std::vector<NamedTensor>& weights) {
  const std::vector<std::string> names = layer.op->param_names();
  const auto it = blobs.find(layer.name);
  if (it == blobs.end() || it->second->size() < int(names.size()))
    throw IoError(path + ": layer '" + layer.name + "' (" + std::string(layer.op->type()) +
                  ") has " + std::to_string(it == blobs.end() ? 0 : it->second->size()) +
                  " blobs, expected " + std::to_string(names.size()));
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string name = layer.name + "." + names[i];
    weights.push_back({name, caffe_io::read_blob(it->second->Get(int(i)), shapes.at(name),
                                                 path + ": blob " + std::to_string(i) +
                                                     " of layer '" + layer.name + "'")});
  }
}

// The weights of one layer of `spec`, appended to `weights`.
void read_layer(const std::string& path, const caffe::NetParameter& net,
                const std::map<std::string, const Blobs*>& blobs,
                const std::map<std::string, Shape>& shapes, const LayerSpec& layer,
                std::vector<NamedTensor>& weights) {
  const std::vector<std::string> names = layer.op->param_names();
  if (names.empty()) return;
  const FormatEntry* entry = find_format_entry(layer.op->type());
  const CaffeMapping* caffe = entry ? mapping(entry->caffe) : nullptr;
  if (!caffe || !caffe->read_blobs) {
    read_by_name(path, blobs, layer, shapes, weights);
    return;
  }
  std::vector<Shape> param_shapes;
  for (const std::string& name : names) param_shapes.push_back(shapes.at(layer.name + "." + name));
  caffe_io::BlobReader reader(path, net, layer, param_shapes);
  caffe->read_blobs(reader);
  for (size_t i = 0; i < names.size(); ++i)
    weights.push_back({layer.name + "." + names[i], reader.take(i)});
}

}  // namespace

std::vector<NamedTensor> load_caffemodel(const std::string& path, const NetSpec& spec,
                                         bool present_only) {
  caffe::NetParameter net;
  proto_io::parse_binary(path, net);
  std::map<std::string, const Blobs*> blobs;
  for (const auto& layer : net.layer()) blobs[layer.name()] = &layer.blobs();
  for (const auto& layer : net.layers()) blobs[layer.name()] = &layer.blobs();

  const std::map<std::string, Shape> shapes = infer_param_shapes(spec);
  std::vector<NamedTensor> weights;
  for (const LayerSpec& layer : spec.layers) {
    if (present_only && !blobs.count(layer.name)) continue;
    const std::string where =
        path + ": layer '" + layer.name + "' (" + std::string(layer.op->type()) + "): ";
    error_context::with_context(path, where,
                                [&] { read_layer(path, net, blobs, shapes, layer, weights); });
  }
  return weights;
}

}  // namespace svertka
