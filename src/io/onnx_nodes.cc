#include "io/onnx_nodes.h"

#include <fmt/format.h>

#include <algorithm>

#include "svertka/error.h"

namespace svertka::onnx_io {

const Constant* ImportedGraph::constant(const std::string& value) const {
  const auto it = constants.find(value);
  return it == constants.end() ? nullptr : &it->second;
}

void ImportedGraph::reserve(int64_t elements, int64_t element_bytes, const std::string& where) {
  int64_t bytes = 0, total = 0;
  const bool overflow = elements < 0 || __builtin_mul_overflow(elements, element_bytes, &bytes) ||
                        __builtin_add_overflow(bytes, bytes_held, &total);
  if (overflow || total > max_bytes)
    throw IoError(where + "the model would need " +
                  (overflow ? std::string("more bytes than an int64 counts") : byte_size(total)) +
                  " for its constants and weights, over the import's limit of " +
                  byte_size(max_bytes) + " (OnnxImportOptions::max_bytes)");
  bytes_held = total;
}

std::string NodeReader::where() const {
  return graph_.file + ": node '" + node_.name() + "' (" + node_.op_type() + "): ";
}

void NodeReader::fail(const std::string& what) const {
  throw IoError(where() + what);
}

const onnx::AttributeProto* NodeReader::attr(const std::string& name) const {
  for (const auto& a : node_.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

const onnx::AttributeProto* NodeReader::typed_attr(const std::string& name, int type) const {
  const auto* a = attr(name);
  // Writers of old files leave the type unset; one that is set must be the expected one.
  if (a && a->type() != onnx::AttributeProto::UNDEFINED && a->type() != type)
    fail("attribute " + name + " has type " +
         onnx::AttributeProto::AttributeType_Name(onnx::AttributeProto::AttributeType(a->type())) +
         ", expected " +
         onnx::AttributeProto::AttributeType_Name(onnx::AttributeProto::AttributeType(type)));
  return a;
}

int64_t NodeReader::attr_int(const std::string& name, int64_t fallback) const {
  const auto* a = typed_attr(name, onnx::AttributeProto::INT);
  return a ? a->i() : fallback;
}

float NodeReader::attr_float(const std::string& name, float fallback) const {
  const auto* a = typed_attr(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : fallback;
}

std::vector<int64_t> NodeReader::attr_ints(const std::string& name,
                                           std::vector<int64_t> fallback) const {
  const auto* a = typed_attr(name, onnx::AttributeProto::INTS);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

int NodeReader::attr_axis(const std::string& name, int64_t fallback, int rank) const {
  const int64_t axis = attr_int(name, fallback);
  if (axis < -rank || axis >= rank)
    fail(name + " " + std::to_string(axis) + " is out of range for an input of rank " +
         std::to_string(rank));
  return int(axis < 0 ? axis + rank : axis);
}

std::vector<int64_t> NodeReader::attr_ints(const std::string& name, std::vector<int64_t> fallback,
                                           size_t count) const {
  std::vector<int64_t> values = attr_ints(name, std::move(fallback));
  if (values.size() != count)
    fail(name + " has " + std::to_string(values.size()) + " value(s), expected " +
         std::to_string(count) + " for a 2-D op");
  return values;
}

void NodeReader::expect_explicit_pads() const {
  const auto* a = attr("auto_pad");
  if (a && a->s() != "NOTSET") fail("auto_pad " + a->s() + " is unsupported (use pads)");
  for (int64_t d : attr_ints("dilations", {}))
    if (d != 1) fail("dilations other than 1 are unsupported");
}

bool NodeReader::has_input(int input) const {
  return input < node_.input_size() && !node_.input(input).empty();
}

const Constant* NodeReader::constant(int input) const {
  return input >= 0 && input < node_.input_size() ? graph_.constant(node_.input(input)) : nullptr;
}

const Constant& NodeReader::need_constant(int input) const {
  if (!constant(input))
    fail("input " + std::to_string(input) + " must be a constant (initializer)");
  const Constant& c = *constant(input);
  if (!c.is_float) fail("input " + std::to_string(input) + " must hold floats");
  return c;
}

std::string NodeReader::blob(int input) const {
  if (input < 0 || input >= node_.input_size())
    fail("has " + std::to_string(node_.input_size()) + " input(s); input " + std::to_string(input) +
         " is missing");
  const std::string& name = node_.input(input);
  if (graph_.constant(name))
    fail("input '" + name + "' is a constant; svertka expects activations");
  const auto it = graph_.aliases.find(name);
  const std::string resolved = it == graph_.aliases.end() ? name : it->second;
  if (!graph_.shapes.count(resolved)) fail("reads '" + name + "', which nothing produces");
  return resolved;
}

std::string NodeReader::layer_name() {
  std::string name =
      node_.name().empty() ? node_.op_type() + "_" + std::to_string(index_) : node_.name();
  while (!graph_.layer_names.insert(name).second) name += "_";
  return name;
}

void NodeReader::add(std::shared_ptr<Op> op, std::vector<std::string> bottoms,
                     std::vector<Tensor> params) {
  LayerSpec layer;
  layer.name = layer_name();
  op->set_name(layer.name);
  std::vector<Shape> in;
  for (const std::string& b : bottoms) in.push_back(graph_.shapes.at(b));
  const std::vector<Shape> out = op->output_shapes(in);
  const std::vector<std::string> names = op->param_names();
  const std::vector<Shape> param_shapes = op->param_shapes(in);
  if (params.size() > names.size() || params.size() > param_shapes.size())
    fail("gives " + std::to_string(params.size()) + " parameters, the op has " +
         std::to_string(names.size()));
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].shape() != param_shapes.at(i))
      fail(names[i] + " has shape " + params[i].shape().str() + ", expected " +
           param_shapes[i].str());
    graph_.weights.push_back({layer.name + "." + names[i], params[i]});
  }
  layer.op = std::move(op);
  layer.bottoms = std::move(bottoms);
  layer.tops = {node_.output(0)};
  graph_.shapes[node_.output(0)] = out.at(0);
  graph_.spec.layers.push_back(std::move(layer));
}

const LayerSpec* NodeReader::last_layer() const {
  return graph_.spec.layers.empty() ? nullptr : &graph_.spec.layers.back();
}

void NodeReader::extend_last_layer(std::shared_ptr<Op> op, const std::string& param, Tensor value) {
  LayerSpec& layer = graph_.spec.layers.back();
  op->set_name(layer.name);
  layer.op = std::move(op);
  graph_.weights.push_back({layer.name + "." + param, std::move(value)});
  const std::string before = layer.tops[0];
  layer.tops[0] = node_.output(0);
  graph_.shapes[node_.output(0)] = graph_.shapes.at(before);
  graph_.aliases[before] = node_.output(0);
}

Tensor NodeReader::to_tensor(const Constant& c, Shape shape) const {
  if (!c.is_float || int64_t(c.floats.size()) != shape.numel())
    fail("a constant of shape " + Shape(c.dims).str() + " holds " +
         std::to_string(c.is_float ? c.floats.size() : c.ints.size()) +
         (c.is_float ? "" : " integer") + " values; the layer expects " + shape.str() + " (" +
         std::to_string(shape.numel()) + " floats)");
  Tensor t = new_weight(std::move(shape));
  std::copy(c.floats.begin(), c.floats.end(), t.data());
  return t;
}

Tensor NodeReader::new_weight(Shape shape) const {
  graph_.reserve(shape.numel(), sizeof(float), where());
  return Tensor(std::move(shape));
}

void NodeReader::reserve_copy(const Constant& c) const {
  graph_.reserve(c.numel(), c.element_bytes(), where());
}

std::string ExportedGraph::fresh(std::string base) {
  while (!names.insert(base).second) base += "_";
  return base;
}

NodeWriter::NodeWriter(ExportedGraph& graph, const LayerSpec& layer)
    : graph_(graph), layer_(layer) {
  for (const std::string& b : layer.bottoms) {
    inputs_.push_back(graph.value.at(b));
    input_shapes_.push_back(graph.shape.at(b));
  }
}

std::string NodeWriter::initializer(const std::string& param) {
  const std::string name = layer_.name + "." + param;
  const auto it = graph_.weights.find(name);
  if (it == graph_.weights.end()) throw NotFoundError("no weights named '" + name + "' to export");
  *graph_.graph->add_initializer() = write_tensor(name, *it->second);
  return name;
}

std::string NodeWriter::constant(const std::string& suffix, const Tensor& value) {
  const std::string name = graph_.fresh(layer_.name + "." + suffix);
  *graph_.graph->add_initializer() = write_tensor(name, value);
  return name;
}

onnx::NodeProto& NodeWriter::node(const std::string& op_type,
                                  const std::vector<std::string>& inputs) {
  onnx::NodeProto& n = *graph_.graph->add_node();
  n.set_name(layer_.name);
  n.set_op_type(op_type);
  for (const std::string& i : inputs) n.add_input(i);
  last_ = &n;
  return n;
}

std::string NodeWriter::intermediate_output(onnx::NodeProto& node, const std::string& base) {
  const std::string name = graph_.fresh(base);
  node.add_output(name);
  return name;
}

void NodeWriter::unsupported(const std::string& what) const {
  throw ParamError("layer '" + layer_.name + "' (" + std::string(layer_.op->type()) +
                   ") has no ONNX export: " + what);
}

void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void set_int(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_float(onnx::NodeProto& node, const std::string& name, double value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(float(value));
}

}  // namespace svertka::onnx_io
