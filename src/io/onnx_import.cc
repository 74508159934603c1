// ONNX ModelProto -> NetSpec + weights: constants, aliases and inputs here, each op's nodes by its
// registry entry.
#include <map>
#include <optional>

#include "core/error_context.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/onnx.h"
#include "svertka/ops/dropout.h"

namespace svertka {
namespace {

using onnx_io::Constant;
using onnx_io::NodeReader;

// More than any CNN's input has; a rank from a file is bounded before shapes are built of it.
constexpr size_t kMaxInputRank = 8;

const OnnxMapping* mapping_of(const std::string& op_type) {
  for (const FormatEntry* entry : format_entries())
    if (const OnnxMapping* onnx = mapping(entry->onnx))
      for (std::string_view type : onnx->node_types)
        if (type == op_type) return onnx;
  return nullptr;
}

class Importer {
 public:
  Importer(std::string file, const OnnxImportOptions& options) : options_(options) {
    graph_.file = std::move(file);
    graph_.max_bytes = options.max_bytes;
  }

  ImportedModel run(const onnx::ModelProto& model) {
    for (const auto& opset : model.opset_import())
      if (opset.domain().empty() || opset.domain() == "ai.onnx") graph_.opset = opset.version();
    const onnx::GraphProto& graph = model.graph();
    graph_.spec.name = graph.name();
    for (const auto& t : graph.initializer()) {
      Constant c = onnx_io::read_tensor(t, graph_.file);
      graph_.reserve(c.numel(), c.element_bytes(),
                     graph_.file + ": initializer '" + t.name() + "': ");
      graph_.constants[t.name()] = std::move(c);
    }
    for (const auto& input : graph.input()) {
      if (graph_.constants.count(input.name())) continue;
      std::vector<int64_t> dims;
      for (const auto& d : input.type().tensor_type().shape().dim())
        dims.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : options_.batch);
      if (!checked_numel(dims) || dims.size() > kMaxInputRank)
        throw IoError(graph_.file + ": graph input '" + input.name() + "' has shape " +
                      Shape(dims).str() + ", more elements than an int64 counts or rank over " +
                      std::to_string(kMaxInputRank));
      graph_.spec.inputs.push_back({input.name(), Shape(dims)});
      graph_.shapes[input.name()] = Shape(dims);
    }
    for (int i = 0; i < graph.node_size(); ++i) add_node(graph.node(i), i);
    number_dropout_layers(graph_.spec);
    ImportedModel result{std::move(graph_.spec), std::move(graph_.weights), "", ""};
    result.logits = find_logits(result.spec);
    return result;
  }

 private:
  // Any error while reading the node names the file and the node.
  void add_node(const onnx::NodeProto& node, int index) {
    const std::string where =
        graph_.file + ": node '" + node.name() + "' (" + node.op_type() + "): ";
    error_context::with_context(graph_.file, where, [&] { read_node(node, index); });
  }

  void read_node(const onnx::NodeProto& node, int index) {
    NodeReader reader(graph_, node, index);
    const std::string& op = node.op_type();
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      reader.fail("custom op domain '" + node.domain() + "'");
    const int inputs_needed = op == "Constant" ? 0 : op == "Reshape" ? 2 : 1;
    if (node.input_size() < inputs_needed || node.output_size() < 1)
      reader.fail("has " + std::to_string(node.input_size()) + " input(s) and " +
                  std::to_string(node.output_size()) + " output(s), expected at least " +
                  std::to_string(inputs_needed) + " and 1");
    if (op == "Constant" || op == "ConstantOfShape" || (op == "Reshape" && reader.constant(0)))
      return fold(reader);
    if (op == "Identity") {
      if (const Constant* c = reader.constant(0)) {
        reader.reserve_copy(*c);
        graph_.constants[node.output(0)] = *c;
      } else {
        graph_.aliases[node.output(0)] = reader.blob(0);
      }
      return;
    }
    if (op == "Flatten" || op == "Reshape") return flatten(reader);
    const OnnxMapping* onnx = mapping_of(op);
    if (!onnx) reader.fail("unsupported op");
    onnx->read(reader);
  }

  // Flatten / Reshape to (N, features): an inner product reads any (N, ...) blob as (N, features),
  // so the output is an alias of the input and no layer is needed.
  void flatten(const NodeReader& reader) {
    const onnx::NodeProto& node = reader.node();
    const std::string in = reader.blob(0);
    const Shape& s = reader.shape(in);
    if (node.op_type() == "Flatten" && reader.attr_int("axis", 1) != 1)
      reader.fail("axis other than 1 is unsupported");
    if (node.op_type() == "Reshape") {
      const Constant* shape = reader.constant(1);
      if (!shape || shape->is_float || shape->ints.size() != 2 ||
          !(shape->ints[0] == s[0] || shape->ints[0] == 0 || shape->ints[0] == -1) ||
          !(shape->ints[1] == -1 || shape->ints[1] == s.numel(1, s.rank())))
        reader.fail("only a reshape to (N, features) is supported");
    }
    graph_.aliases[node.output(0)] = in;
  }

  void fold(const NodeReader& reader) {
    const onnx::NodeProto& node = reader.node();
    Constant c;
    if (node.op_type() == "Constant") {
      const auto* value = reader.attr("value");
      if (!value || !value->has_t()) reader.fail("only the `value` tensor attribute is supported");
      c = onnx_io::read_tensor(value->t(), graph_.file);
    } else if (node.op_type() == "ConstantOfShape") {
      c = constant_of_shape(reader);
    } else {
      c = reshaped_constant(reader);
    }
    graph_.constants[node.output(0)] = std::move(c);
  }

  Constant constant_of_shape(const NodeReader& reader) {
    const Constant* shape = reader.constant(0);
    if (!shape || shape->is_float) reader.fail("the shape input must be a constant int64 tensor");
    Constant c;
    c.dims = shape->ints;
    const std::optional<int64_t> count = checked_numel(c.dims);
    if (!count) reader.fail("shape " + Shape(c.dims).str() + " is negative or overflows an int64");
    const auto* value = reader.attr("value");
    const Constant fill =
        value ? onnx_io::read_tensor(value->t(), graph_.file) : Constant{{1}, {0.f}, {}, true};
    c.is_float = fill.is_float;
    if (fill.numel() != 1) reader.fail("the value attribute must hold one element");
    graph_.reserve(*count, c.element_bytes(), reader.where());
    if (c.is_float)
      c.floats.assign(size_t(c.numel()), fill.floats.at(0));
    else
      c.ints.assign(size_t(c.numel()), fill.ints.at(0));
    return c;
  }

  Constant reshaped_constant(const NodeReader& reader) {
    reader.reserve_copy(*reader.constant(0));
    Constant c = *reader.constant(0);
    const Constant* shape = reader.constant(1);
    if (!shape || shape->is_float) reader.fail("the shape input must be a constant int64 tensor");
    std::vector<int64_t> dims = shape->ints;
    int64_t known = 1, infer = -1;
    const std::string bad = "cannot reshape a constant of shape " + Shape(c.dims).str() + " to " +
                            Shape(shape->ints).str();
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] == 0 && i < c.dims.size()) dims[i] = c.dims[i];
      if (dims[i] == -1 && infer < 0)
        infer = int64_t(i);
      else if (dims[i] < 0 || __builtin_mul_overflow(known, dims[i], &known))
        reader.fail(bad);
    }
    if (infer >= 0) {
      if (known == 0 || c.numel() % known != 0) reader.fail(bad);
      dims[size_t(infer)] = c.numel() / known;
    } else if (known != c.numel()) {
      reader.fail(bad + ": " + std::to_string(c.numel()) + " elements for " +
                  std::to_string(known));
    }
    c.dims = dims;
    return c;
  }

  OnnxImportOptions options_;
  onnx_io::ImportedGraph graph_;
};

}  // namespace

ImportedModel load_onnx(const std::string& path, const OnnxImportOptions& options) {
  onnx::ModelProto model;
  proto_io::parse_binary(path, model);
  ImportedModel imported = Importer(path, options).run(model);
  imported.spec.source = path;
  return imported;
}

}  // namespace svertka
