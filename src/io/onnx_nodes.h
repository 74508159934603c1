// Shared by the ONNX reader and writer and the ops' ONNX mappings (io/format_registry.h): the graph
// state of an import or export, and the contexts a mapping reads a node and writes a layer through.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "io/onnx_tensor.h"
#include "onnx.pb.h"
#include "svertka/io/safetensors.h"
#include "svertka/net_spec.h"

namespace svertka::onnx_io {

// A graph being imported (onnx_import.cc): what its nodes read and add to.
struct ImportedGraph {
  std::string file;
  int64_t opset = 1;
  NetSpec spec;
  std::vector<NamedTensor> weights;
  std::map<std::string, Constant> constants;   // initialisers and folded constants
  std::map<std::string, std::string> aliases;  // ONNX value -> svertka blob (Flatten, Identity)
  std::map<std::string, Shape> shapes;         // svertka blob -> shape
  std::set<std::string> layer_names;
  int64_t max_bytes = 0;   // OnnxImportOptions::max_bytes
  int64_t bytes_held = 0;  // by constants and weights so far

  const Constant* constant(const std::string& value) const;
  // Counts `elements` values of `element_bytes` each against max_bytes before they are allocated;
  // throws IoError "<where>the model would need ..." past it.
  void reserve(int64_t elements, int64_t element_bytes, const std::string& where);
};

// One node being imported.
class NodeReader {
 public:
  NodeReader(ImportedGraph& graph, const onnx::NodeProto& node, int index)
      : graph_(graph), node_(node), index_(index) {}

  const onnx::NodeProto& node() const { return node_; }
  int64_t opset() const { return graph_.opset; }
  // "<file>: node '<name>' (<op type>): ", the start of its errors.
  std::string where() const;
  // Throws IoError where() + what.
  [[noreturn]] void fail(const std::string& what) const;

  const onnx::AttributeProto* attr(const std::string& name) const;
  // The attribute, failing if its type is set and is not `type` (an AttributeProto type).
  const onnx::AttributeProto* typed_attr(const std::string& name, int type) const;
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  float attr_float(const std::string& name, float fallback) const;
  std::vector<int64_t> attr_ints(const std::string& name, std::vector<int64_t> fallback) const;
  // The same, holding exactly `count` values (2-D ops: kernel_shape and strides 2, pads 4).
  std::vector<int64_t> attr_ints(const std::string& name, std::vector<int64_t> fallback,
                                 size_t count) const;
  // An axis attribute for an input of `rank`, in [0, rank) (negative ones count from the end);
  // fails outside [-rank, rank).
  int attr_axis(const std::string& name, int64_t fallback, int rank) const;
  // Fails for auto_pad other than NOTSET and for dilations other than 1.
  void expect_explicit_pads() const;

  // Whether input `input` is given (present and not the empty name of a skipped optional input).
  bool has_input(int input) const;
  // Input `input` when it is a constant, else null; need_constant() fails unless it is a float one.
  const Constant* constant(int input) const;
  const Constant& need_constant(int input) const;
  // The svertka blob input `input` names (through Flatten / Identity aliases); fails for a
  // constant or a value nothing produces.
  std::string blob(int input) const;
  const Shape& shape(const std::string& blob) const { return graph_.shapes.at(blob); }

  // Adds `op` reading `bottoms` as a layer named after the node, with `params` as its parameters
  // (checked against the op's parameter shapes); its top is the node's first output.
  void add(std::shared_ptr<Op> op, std::vector<std::string> bottoms,
           std::vector<Tensor> params = {});
  // The layer added last, or null; extend_last_layer() gives it a new op with one more parameter
  // and makes this node's output its top (MatMul + Add: the Add becomes the bias).
  const LayerSpec* last_layer() const;
  // The values of a float constant as a tensor of `shape`; fails unless it holds exactly
  // shape.numel() floats.
  Tensor to_tensor(const Constant& constant, Shape shape) const;
  // A zeroed weight of `shape`, counted against the import's memory limit.
  Tensor new_weight(Shape shape) const;
  // Counts a copy of `constant` against the import's memory limit.
  void reserve_copy(const Constant& constant) const;
  void extend_last_layer(std::shared_ptr<Op> op, const std::string& param, Tensor value);

 private:
  std::string layer_name();

  ImportedGraph& graph_;
  const onnx::NodeProto& node_;
  int index_;
};

// A graph being exported (onnx_export.cc): SSA names of the blobs and the weights to write.
struct ExportedGraph {
  onnx::GraphProto* graph = nullptr;
  std::map<std::string, const Tensor*> weights;
  std::map<std::string, std::string> value;  // blob -> its current SSA value name
  std::map<std::string, Shape> shape;        // blob -> shape
  std::set<std::string> names;               // every value name used

  // `base`, or `base` with "_" appended until it is unused; marks it used.
  std::string fresh(std::string base);
};

// One layer being exported.
class NodeWriter {
 public:
  NodeWriter(ExportedGraph& graph, const LayerSpec& layer);

  const LayerSpec& layer() const { return layer_; }
  template <class OpT>
  const OpT& op() const {
    return dynamic_cast<const OpT&>(*layer_.op);
  }
  const std::vector<std::string>& inputs() const { return inputs_; }  // the bottoms' values
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }

  // The initializer "<layer>.<param>" from the weights; returns its name.
  std::string initializer(const std::string& param);
  // An initializer "<layer>.<suffix>" holding `value` (a constant the op implies).
  std::string constant(const std::string& suffix, const Tensor& value);
  // A node named after the layer. The last one made produces the layer's tops.
  onnx::NodeProto& node(const std::string& op_type, const std::vector<std::string>& inputs);
  // Gives `node` an output named `base` (made unique) for a later node to read; returns the name.
  std::string intermediate_output(onnx::NodeProto& node, const std::string& base);
  onnx::NodeProto* last_node() const { return last_; }
  // Throws ParamError "layer '<name>' (<type>) has no ONNX export: <what>".
  [[noreturn]] void unsupported(const std::string& what) const;

 private:
  ExportedGraph& graph_;
  const LayerSpec& layer_;
  std::vector<std::string> inputs_;
  std::vector<Shape> input_shapes_;
  onnx::NodeProto* last_ = nullptr;
};

void set_int(onnx::NodeProto& node, const std::string& name, int64_t value);
void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values);
void set_float(onnx::NodeProto& node, const std::string& name, double value);

}  // namespace svertka::onnx_io
