// ONNX ModelProto -> NetSpec + weights.
#include <map>
#include <set>

#include "io/onnx_tensor.h"
#include "io/proto_io.h"
#include "ops/concat.h"
#include "ops/conv.h"
#include "ops/dropout.h"
#include "ops/inner_product.h"
#include "ops/lrn.h"
#include "ops/pooling.h"
#include "ops/relu.h"
#include "ops/softmax.h"
#include "svertka/error.h"
#include "svertka/io/onnx.h"

namespace svertka {
namespace {

using onnx_io::Constant;

class Importer {
 public:
  Importer(std::string file, const OnnxImportOptions& options)
      : file_(std::move(file)), options_(options) {}

  ImportedModel run(const onnx::ModelProto& model) {
    for (const auto& opset : model.opset_import())
      if (opset.domain().empty() || opset.domain() == "ai.onnx") opset_ = opset.version();
    const onnx::GraphProto& graph = model.graph();
    spec_.name = graph.name();
    for (const auto& t : graph.initializer()) constants_[t.name()] = onnx_io::read_tensor(t, file_);
    for (const auto& input : graph.input()) {
      if (constants_.count(input.name())) continue;
      std::vector<int64_t> dims;
      for (const auto& d : input.type().tensor_type().shape().dim())
        dims.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : options_.batch);
      spec_.inputs.push_back({input.name(), Shape(dims)});
      shapes_[input.name()] = Shape(dims);
    }
    for (int i = 0; i < graph.node_size(); ++i) add_node(graph.node(i), i);
    ImportedModel result{std::move(spec_), std::move(weights_), ""};
    result.logits = find_logits(result.spec);
    return result;
  }

 private:
  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& what) const {
    throw IoError(file_ + ": node '" + node.name() + "' (" + node.op_type() + "): " + what);
  }

  const onnx::AttributeProto* attr(const onnx::NodeProto& node, const std::string& name) const {
    for (const auto& a : node.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  int64_t attr_int(const onnx::NodeProto& node, const std::string& name, int64_t fallback) const {
    const auto* a = attr(node, name);
    return a ? a->i() : fallback;
  }
  float attr_float(const onnx::NodeProto& node, const std::string& name, float fallback) const {
    const auto* a = attr(node, name);
    return a ? a->f() : fallback;
  }
  std::vector<int64_t> attr_ints(const onnx::NodeProto& node, const std::string& name,
                                 std::vector<int64_t> fallback) const {
    const auto* a = attr(node, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
  }
  // The same, holding exactly `count` values (2-D: kernel_shape and strides 2, pads 4).
  std::vector<int64_t> attr_ints(const onnx::NodeProto& node, const std::string& name,
                                 std::vector<int64_t> fallback, size_t count) const {
    std::vector<int64_t> values = attr_ints(node, name, std::move(fallback));
    if (values.size() != count)
      fail(node, name + " has " + std::to_string(values.size()) + " value(s), expected " +
                     std::to_string(count) + " for a 2-D op");
    return values;
  }
  void check_auto_pad(const onnx::NodeProto& node) const {
    const auto* a = attr(node, "auto_pad");
    if (a && a->s() != "NOTSET") fail(node, "auto_pad " + a->s() + " is unsupported (use pads)");
    for (int64_t d : attr_ints(node, "dilations", {}))
      if (d != 1) fail(node, "dilations other than 1 are unsupported");
  }

  const Constant* constant(const std::string& name) const {
    const auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : &it->second;
  }
  const Constant& need_constant(const onnx::NodeProto& node, int input) const {
    if (input >= node.input_size() || !constant(node.input(input)))
      fail(node, "input " + std::to_string(input) + " must be a constant (initializer)");
    const Constant& c = *constant(node.input(input));
    if (!c.is_float) fail(node, "input " + std::to_string(input) + " must hold floats");
    return c;
  }
  // The svertka blob an ONNX value names (Flatten / Reshape / Identity outputs are aliases).
  std::string blob(const onnx::NodeProto& node, int input) const {
    const std::string& name = node.input(input);
    if (constant(name))
      fail(node, "input '" + name + "' is a constant; svertka expects activations");
    const auto it = aliases_.find(name);
    const std::string resolved = it == aliases_.end() ? name : it->second;
    if (!shapes_.count(resolved)) fail(node, "reads '" + name + "', which nothing produces");
    return resolved;
  }

  std::string layer_name(const onnx::NodeProto& node, int index) {
    std::string name =
        node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
    while (!layer_names_.insert(name).second) name += "_";
    return name;
  }

  void add(const onnx::NodeProto& node, int index, std::shared_ptr<Op> op,
           std::vector<std::string> bottoms, std::vector<Tensor> params = {}) {
    LayerSpec layer;
    layer.name = layer_name(node, index);
    op->set_name(layer.name);
    std::vector<Shape> in;
    for (const std::string& b : bottoms) in.push_back(shapes_.at(b));
    const std::vector<Shape> out = op->output_shapes(in);
    const std::vector<std::string> names = op->param_names();
    const std::vector<Shape> param_shapes = op->param_shapes(in);
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].shape() != param_shapes.at(i))
        fail(node, names[i] + " has shape " + params[i].shape().str() + ", expected " +
                       param_shapes[i].str());
      weights_.push_back({layer.name + "." + names[i], params[i]});
    }
    layer.op = std::move(op);
    layer.bottoms = std::move(bottoms);
    layer.tops = {node.output(0)};
    shapes_[node.output(0)] = out.at(0);
    spec_.layers.push_back(std::move(layer));
  }

  static Tensor tensor(const Constant& c, Shape shape) {
    Tensor t(std::move(shape));
    std::copy(c.floats.begin(), c.floats.end(), t.data());
    return t;
  }

  void fold(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    Constant c;
    if (op == "Constant") {
      const auto* value = attr(node, "value");
      if (!value || !value->has_t()) fail(node, "only the `value` tensor attribute is supported");
      c = onnx_io::read_tensor(value->t(), file_);
    } else if (op == "ConstantOfShape") {
      const Constant* shape = constant(node.input(0));
      if (!shape || shape->is_float) fail(node, "the shape input must be a constant int64 tensor");
      c.dims = shape->ints;
      const auto* value = attr(node, "value");
      Constant fill =
          value ? onnx_io::read_tensor(value->t(), file_) : Constant{{1}, {0.f}, {}, true};
      c.is_float = fill.is_float;
      if (fill.numel() != 1) fail(node, "the value attribute must hold one element");
      if (c.is_float)
        c.floats.assign(size_t(c.numel()), fill.floats.at(0));
      else
        c.ints.assign(size_t(c.numel()), fill.ints.at(0));
    } else {  // Reshape of a constant
      c = *constant(node.input(0));
      const Constant* shape = constant(node.input(1));
      if (!shape || shape->is_float) fail(node, "the shape input must be a constant int64 tensor");
      std::vector<int64_t> dims = shape->ints;
      int64_t known = 1, infer = -1;
      for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] == 0 && i < c.dims.size()) dims[i] = c.dims[i];
        if (dims[i] == -1)
          infer = int64_t(i);
        else
          known *= dims[i];
      }
      if (infer >= 0) dims[size_t(infer)] = c.numel() / std::max<int64_t>(known, 1);
      c.dims = dims;
    }
    constants_[node.output(0)] = std::move(c);
  }

  void add_node(const onnx::NodeProto& node, int index) {
    const std::string& op = node.op_type();
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      fail(node, "custom op domain '" + node.domain() + "'");
    const int inputs_needed = op == "Constant" ? 0 : op == "Reshape" ? 2 : 1;
    if (node.input_size() < inputs_needed || node.output_size() < 1)
      fail(node, "has " + std::to_string(node.input_size()) + " input(s) and " +
                     std::to_string(node.output_size()) + " output(s), expected at least " +
                     std::to_string(inputs_needed) + " and 1");
    if (op == "Constant" || op == "ConstantOfShape" || (op == "Reshape" && constant(node.input(0))))
      return fold(node);
    if (op == "Identity") {
      if (const Constant* c = constant(node.input(0)))
        constants_[node.output(0)] = *c;
      else
        aliases_[node.output(0)] = blob(node, 0);
      return;
    }
    if (op == "Flatten" || op == "Reshape") {
      const std::string in = blob(node, 0);
      const Shape& s = shapes_.at(in);
      if (op == "Flatten" && attr_int(node, "axis", 1) != 1)
        fail(node, "axis other than 1 is unsupported");
      if (op == "Reshape") {
        const Constant* shape = constant(node.input(1));
        if (!shape || shape->is_float || shape->ints.size() != 2 ||
            !(shape->ints[0] == s[0] || shape->ints[0] == 0 || shape->ints[0] == -1) ||
            !(shape->ints[1] == -1 || shape->ints[1] == s.numel(1, s.rank())))
          fail(node, "only a reshape to (N, features) is supported");
      }
      // An inner product reads any (N, ...) blob as (N, features): no layer needed.
      aliases_[node.output(0)] = in;
      return;
    }
    if (op == "Conv") {
      check_auto_pad(node);
      const Constant& w = need_constant(node, 1);
      if (w.dims.size() != 4) fail(node, "only 2-D convolutions are supported");
      ConvParams p;
      p.out_channels = w.dims[0];
      const auto kernel = attr_ints(node, "kernel_shape", {w.dims[2], w.dims[3]}, 2);
      const auto strides = attr_ints(node, "strides", {1, 1}, 2);
      const auto pads = attr_ints(node, "pads", {0, 0, 0, 0}, 4);
      p.kernel_h = kernel.at(0), p.kernel_w = kernel.at(1);
      p.stride_h = strides.at(0), p.stride_w = strides.at(1);
      p.pad_h = pads.at(0), p.pad_w = pads.at(1), p.pad_bottom = pads.at(2),
      p.pad_right = pads.at(3);
      p.groups = attr_int(node, "group", 1);
      p.bias = node.input_size() > 2 && !node.input(2).empty();
      std::vector<Tensor> params{tensor(w, Shape(w.dims))};
      if (p.bias) params.push_back(tensor(need_constant(node, 2), Shape{p.out_channels}));
      return add(node, index, std::make_shared<ConvOp>(p), {blob(node, 0)}, std::move(params));
    }
    if (op == "Relu")
      return add(node, index, std::make_shared<ReluOp>(ReluParams{}), {blob(node, 0)});
    if (op == "LeakyRelu")
      return add(node, index,
                 std::make_shared<ReluOp>(ReluParams{attr_float(node, "alpha", 0.01f)}),
                 {blob(node, 0)});
    if (op == "LRN") {
      LrnParams p{attr_int(node, "size", 0), attr_float(node, "alpha", 1e-4f),
                  attr_float(node, "beta", 0.75f), attr_float(node, "bias", 1.0f)};
      return add(node, index, std::make_shared<LrnOp>(p), {blob(node, 0)});
    }
    if (op == "MaxPool" || op == "AveragePool") {
      check_auto_pad(node);
      if (node.output_size() > 1 && !node.output(1).empty())
        fail(node, "the Indices output is unsupported");
      if (attr_int(node, "storage_order", 0) != 0) fail(node, "storage_order 1 is unsupported");
      PoolParams p;
      p.method = op == "MaxPool" ? PoolMethod::kMax : PoolMethod::kAverage;
      const auto kernel = attr_ints(node, "kernel_shape", {});
      if (kernel.size() != 2) fail(node, "only 2-D pooling is supported");
      const auto strides = attr_ints(node, "strides", {1, 1}, 2);
      const auto pads = attr_ints(node, "pads", {0, 0, 0, 0}, 4);
      p.kernel_h = kernel[0], p.kernel_w = kernel[1];
      p.stride_h = strides.at(0), p.stride_w = strides.at(1);
      p.pad_h = pads.at(0), p.pad_w = pads.at(1), p.pad_bottom = pads.at(2),
      p.pad_right = pads.at(3);
      p.ceil_mode = attr_int(node, "ceil_mode", 0) != 0;
      p.exclude_padding = attr_int(node, "count_include_pad", 0) == 0;
      return add(node, index, std::make_shared<PoolOp>(p), {blob(node, 0)});
    }
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
      PoolParams p;
      p.method = op == "GlobalMaxPool" ? PoolMethod::kMax : PoolMethod::kAverage;
      p.global_pooling = true;
      return add(node, index, std::make_shared<PoolOp>(p), {blob(node, 0)});
    }
    if (op == "Gemm" || op == "MatMul") return fully_connected(node, index);
    if (op == "Add") return add_bias(node);
    if (op == "Dropout") {
      DropoutParams p;
      p.ratio = attr_float(node, "ratio", 0.5f);
      if (node.input_size() > 1 && !node.input(1).empty()) {
        const Constant& ratio = need_constant(node, 1);
        if (ratio.numel() != 1) fail(node, "the ratio input must hold one element");
        p.ratio = ratio.floats[0];
      }
      p.seed = ++dropout_count_;
      return add(node, index, std::make_shared<DropoutOp>(p), {blob(node, 0)});
    }
    if (op == "Concat") {
      std::vector<std::string> bottoms;
      for (int i = 0; i < node.input_size(); ++i) bottoms.push_back(blob(node, i));
      return add(node, index,
                 std::make_shared<ConcatOp>(ConcatParams{int(attr_int(node, "axis", 1))}), bottoms);
    }
    if (op == "Softmax") {
      const int axis = int(attr_int(node, "axis", opset_ >= 13 ? -1 : 1));
      const std::string in = blob(node, 0);
      const Shape& s = shapes_.at(in);
      // Before opset 13 Softmax flattens from `axis`: the same as one axis when the rest are 1.
      const int a = axis < 0 ? axis + s.rank() : axis;
      if (opset_ < 13 && s.numel(a + 1, s.rank()) != 1)
        fail(node, "a softmax over several trailing axes is unsupported");
      return add(node, index, std::make_shared<SoftmaxOp>(SoftmaxParams{axis}), {in});
    }
    fail(node, "unsupported op");
  }

  void fully_connected(const onnx::NodeProto& node, int index) {
    const bool gemm = node.op_type() == "Gemm";
    if (gemm && attr_int(node, "transA", 0) != 0) fail(node, "transA 1 is unsupported");
    const Constant& b = need_constant(node, 1);
    if (b.dims.size() != 2) fail(node, "the weight must be 2-D");
    const bool trans_b = gemm && attr_int(node, "transB", 0) != 0;
    const int64_t out = trans_b ? b.dims[0] : b.dims[1], in = trans_b ? b.dims[1] : b.dims[0];
    const float alpha = gemm ? attr_float(node, "alpha", 1) : 1;
    Tensor w(Shape{out, in});
    for (int64_t o = 0; o < out; ++o)
      for (int64_t k = 0; k < in; ++k)
        w[o * in + k] = alpha * b.floats[size_t(trans_b ? o * in + k : k * out + o)];
    InnerProductParams p;
    p.out_features = out;
    p.bias = gemm && node.input_size() > 2 && !node.input(2).empty();
    std::vector<Tensor> params{w};
    if (p.bias) {
      const Constant& c = need_constant(node, 2);
      if (c.numel() != out)
        fail(node, "only a per-output bias C of " + std::to_string(out) + " values is supported");
      Tensor bias = tensor(c, Shape{out});
      const float beta = attr_float(node, "beta", 1);
      for (int64_t o = 0; o < out; ++o) bias[o] *= beta;
      params.push_back(bias);
    }
    add(node, index, std::make_shared<InnerProductOp>(p), {blob(node, 0)}, std::move(params));
  }

  // MatMul + Add(constant): the Add becomes the inner product's bias.
  void add_bias(const onnx::NodeProto& node) {
    if (node.input_size() != 2) fail(node, "expects two inputs");
    const int c = constant(node.input(1)) ? 1 : 0;
    const std::string value = node.input(1 - c);
    if (!constant(node.input(c)) || spec_.layers.empty() || spec_.layers.back().tops[0] != value ||
        spec_.layers.back().op->type() != InnerProductOp::kType)
      fail(node, "only an Add of a constant bias right after a MatMul is supported");
    LayerSpec& fc = spec_.layers.back();
    InnerProductParams p = dynamic_cast<const InnerProductOp&>(*fc.op).params();
    if (p.bias) fail(node, "the inner product before it already has a bias");
    const Constant& bias = need_constant(node, c);
    if (bias.numel() != p.out_features) fail(node, "the bias must have one value per output");
    p.bias = true;
    auto op = std::make_shared<InnerProductOp>(p);
    op->set_name(fc.name);
    fc.op = op;
    weights_.push_back({fc.name + ".bias", tensor(bias, Shape{p.out_features})});
    fc.tops[0] = node.output(0);  // the biased result takes the Add's name
    shapes_[node.output(0)] = shapes_.at(value);
    aliases_[value] = node.output(0);
  }

  std::string file_;
  OnnxImportOptions options_;
  int64_t opset_ = 1;
  NetSpec spec_;
  std::vector<NamedTensor> weights_;
  std::map<std::string, Constant> constants_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, Shape> shapes_;
  std::set<std::string> layer_names_;
  uint64_t dropout_count_ = 0;
};

}  // namespace

ImportedModel load_onnx(const std::string& path, const OnnxImportOptions& options) {
  onnx::ModelProto model;
  proto_io::parse_binary(path, model);
  return Importer(path, options).run(model);
}

}  // namespace svertka
