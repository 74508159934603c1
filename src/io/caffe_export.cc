// NetSpec (+ weights) -> prototxt and .caffemodel: Input layers here, each op's layers by its
// registry entry.
#include <map>

#include "io/format_registry.h"
#include "io/caffe_layers.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

void add_input_layer(const InputSpec& input, caffe::NetParameter& net) {
  caffe::LayerParameter* layer = net.add_layer();
  layer->set_name(input.name);
  layer->set_type("Input");
  layer->add_top(input.name);
  auto* shape = layer->mutable_input_param()->add_shape();
  for (int64_t d : input.shape.dims()) shape->add_dim(d);
}

void add_layers(const LayerSpec& layer, caffe::NetParameter& net,
                const std::map<std::string, const Tensor*>* weights) {
  const std::string type(layer.op->type());
  const FormatEntry* entry = find_format_entry(type);
  if (!entry) throw NotFoundError("layer '" + layer.name + "': no op '" + type + "' is registered");
  const CaffeMapping* caffe = mapping(entry->caffe);
  if (!caffe)
    throw ParamError("layer '" + layer.name + "' (" + type + "): the layer type has no Caffe " +
                     "equivalent (" + std::string(std::get<NoEquivalent>(entry->caffe).reason) +
                     ")");
  caffe_io::LayerWriter writer(layer, caffe->layer_type, net, weights);
  caffe->write(writer);
  if (writer.placed_blobs()) return;
  for (size_t i = 0; i < layer.op->param_names().size(); ++i) writer.blob(writer.layer(), i);
}

// The net, with blobs when `weights` is given.
caffe::NetParameter to_caffe(const NetSpec& spec,
                             const std::map<std::string, const Tensor*>* weights) {
  caffe::NetParameter net;
  net.set_name(spec.name);
  for (const InputSpec& input : spec.inputs) add_input_layer(input, net);
  for (const LayerSpec& layer : spec.layers) add_layers(layer, net, weights);
  return net;
}

}  // namespace

void save_caffe(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                const std::string& prototxt_path, const std::string& caffemodel_path) {
  proto_io::write_text(prototxt_path, to_caffe(spec, nullptr));
  if (!caffemodel_path.empty()) save_caffemodel(spec, weights, caffemodel_path);
}

void save_caffemodel(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                     const std::string& caffemodel_path) {
  std::map<std::string, const Tensor*> by_name;
  for (const NamedTensor& w : weights) by_name[w.name] = &w.tensor;
  try {
    proto_io::write_binary(caffemodel_path, to_caffe(spec, &by_name));
  } catch (const NotFoundError& e) {
    throw NotFoundError(std::string(e.what()) + " to " + caffemodel_path);
  }
}

}  // namespace svertka
