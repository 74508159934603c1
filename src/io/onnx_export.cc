// NetSpec (+ weights) -> ONNX ModelProto (opset 11), the TEST-phase inference graph: inputs,
// outputs and SSA names here, each op's nodes by its registry entry.
#include <map>
#include <set>

#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "io/proto_io.h"
#include "svertka/ops/accuracy.h"
#include "svertka/error.h"
#include "svertka/infer_shapes.h"
#include "svertka/io/onnx.h"

namespace svertka {
namespace {

constexpr int64_t kOpset = 11;
constexpr int64_t kIrVersion = 6;  // the IR version of opset 11

void set_value_info(onnx::ValueInfoProto& info, const std::string& name, const Shape& shape) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape.dims()) tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

bool exported(const LayerSpec& layer) {
  if (layer.only_in == Phase::kTrain) return false;
  return !layer.op->is_loss() && layer.op->type() != AccuracyOp::kType;
}

const OnnxMapping& mapping_of(const LayerSpec& layer) {
  const std::string type(layer.op->type());
  const FormatEntry* entry = find_format_entry(type);
  if (!entry) throw NotFoundError("layer '" + layer.name + "': no op '" + type + "' is registered");
  if (const OnnxMapping* onnx = mapping(entry->onnx)) return *onnx;
  throw ParamError("layer '" + layer.name + "' (" + type + ") has no ONNX export: " +
                   std::string(std::get<NoEquivalent>(entry->onnx).reason));
}

class Exporter {
 public:
  Exporter(const NetSpec& spec, const std::vector<NamedTensor>& weights) : spec_(spec) {
    for (const NamedTensor& w : weights) graph_.weights[w.name] = &w.tensor;
  }

  onnx::ModelProto run() {
    onnx::ModelProto model;
    model.set_ir_version(kIrVersion);
    model.set_producer_name("svertka");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOpset);
    graph_.graph = model.mutable_graph();
    graph_.graph->set_name(spec_.name);
    // The one shape walk first: an unknown bottom is the ShapeError every caller gives.
    infer_shapes(spec_, Phase::kTest);

    std::set<std::string> read;
    for (const LayerSpec& layer : spec_.layers)
      if (exported(layer)) read.insert(layer.bottoms.begin(), layer.bottoms.end());
    for (const InputSpec& input : spec_.inputs) {
      if (!read.count(input.name)) continue;  // labels
      set_value_info(*graph_.graph->add_input(), input.name, input.shape);
      graph_.value[input.name] = input.name;
      graph_.shape[input.name] = input.shape;
      graph_.names.insert(input.name);
    }
    std::set<std::string> consumed;
    for (const LayerSpec& layer : spec_.layers) {
      if (!exported(layer)) continue;
      for (const std::string& b : layer.bottoms) {
        if (!graph_.value.count(b))
          throw ParamError("layer '" + layer.name + "' reads '" + b +
                           "', the output of a layer that ONNX export leaves out (loss, accuracy)");
        consumed.insert(graph_.value.at(b));
      }
      add_layer(layer);
    }
    for (const auto& [blob, value] : graph_.value)
      if (!consumed.count(value) && !is_input(blob))
        set_value_info(*graph_.graph->add_output(), value, graph_.shape.at(blob));
    return model;
  }

 private:
  bool is_input(const std::string& blob) const {
    for (const InputSpec& input : spec_.inputs)
      if (input.name == blob) return true;
    return false;
  }

  void add_layer(const LayerSpec& layer) {
    onnx_io::NodeWriter writer(graph_, layer);
    mapping_of(layer).write(writer);
    onnx::NodeProto* n = writer.last_node();
    if (!n) throw Error("layer '" + layer.name + "': its ONNX mapping wrote no node");
    const std::vector<Shape> out = layer.op->output_shapes(writer.input_shapes());
    for (size_t i = 0; i < layer.tops.size(); ++i) {
      // A fresh SSA name for the new version of the blob.
      const std::string& top = layer.tops[i];
      const std::string name = graph_.fresh(graph_.names.count(top) ? top + "/" + layer.name : top);
      n->add_output(name);
      graph_.value[top] = name;
      graph_.shape[top] = out.at(i);
    }
  }

  const NetSpec& spec_;
  onnx_io::ExportedGraph graph_;
};

}  // namespace

void save_onnx(const NetSpec& spec, const std::vector<NamedTensor>& weights,
               const std::string& path) {
  proto_io::write_binary(path, Exporter(spec, weights).run());
}

}  // namespace svertka
