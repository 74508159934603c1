// NetSpec (+ weights) -> ONNX ModelProto (opset 11), the TEST-phase inference graph.
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
#include "svertka/infer_shapes.h"
#include "svertka/io/onnx.h"

namespace svertka {
namespace {

constexpr int64_t kOpset = 11;
constexpr int64_t kIrVersion = 6;  // the IR version of opset 11

template <class OpType>
const OpType& as(const LayerSpec& layer) {
  return dynamic_cast<const OpType&>(*layer.op);
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

void set_value_info(onnx::ValueInfoProto& info, const std::string& name, const Shape& shape) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape.dims()) tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

bool exported(const LayerSpec& layer) {
  if (layer.only_in == Phase::kTrain) return false;
  return !layer.op->is_loss() && layer.op->type() != "Accuracy";
}

class Exporter {
 public:
  Exporter(const NetSpec& spec, const std::vector<NamedTensor>& weights) : spec_(spec) {
    for (const NamedTensor& w : weights) weights_[w.name] = &w.tensor;
  }

  onnx::ModelProto run() {
    onnx::ModelProto model;
    model.set_ir_version(kIrVersion);
    model.set_producer_name("svertka");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOpset);
    graph_ = model.mutable_graph();
    graph_->set_name(spec_.name);
    shape_ = infer_shapes(spec_, Phase::kTest).blobs;

    std::set<std::string> read;
    for (const LayerSpec& layer : spec_.layers)
      if (exported(layer)) read.insert(layer.bottoms.begin(), layer.bottoms.end());
    for (const InputSpec& input : spec_.inputs) {
      if (!read.count(input.name)) continue;  // labels
      set_value_info(*graph_->add_input(), input.name, input.shape);
      value_[input.name] = input.name;
      names_.insert(input.name);
    }
    std::set<std::string> consumed;
    for (const LayerSpec& layer : spec_.layers) {
      if (!exported(layer)) continue;
      for (const std::string& b : layer.bottoms) {
        if (!value_.count(b))
          throw ParamError("layer '" + layer.name + "' reads '" + b +
                           "', the output of a layer that ONNX export leaves out (loss, accuracy)");
        consumed.insert(value_.at(b));
      }
      add_layer(layer);
    }
    for (const auto& [blob, value] : value_)
      if (!consumed.count(value) && !is_input(blob))
        set_value_info(*graph_->add_output(), value, shape_.at(blob));
    return model;
  }

 private:
  bool is_input(const std::string& blob) const {
    for (const InputSpec& input : spec_.inputs)
      if (input.name == blob) return true;
    return false;
  }

  // A fresh SSA name for a new version of `blob`.
  std::string define(const std::string& blob, const std::string& layer) {
    std::string name = names_.count(blob) ? blob + "/" + layer : blob;
    while (!names_.insert(name).second) name += "_";
    value_[blob] = name;
    return name;
  }

  std::string initializer(const LayerSpec& layer, const std::string& param) {
    const std::string name = layer.name + "." + param;
    const auto it = weights_.find(name);
    if (it == weights_.end()) throw NotFoundError("no weights named '" + name + "' to export");
    *graph_->add_initializer() = onnx_io::write_tensor(name, *it->second);
    return name;
  }

  onnx::NodeProto& node(const LayerSpec& layer, const std::string& op_type,
                        std::vector<std::string> inputs) {
    onnx::NodeProto& n = *graph_->add_node();
    n.set_name(layer.name);
    n.set_op_type(op_type);
    for (const std::string& i : inputs) n.add_input(i);
    return n;
  }

  void add_layer(const LayerSpec& layer) {
    std::vector<Shape> in_shapes;
    std::vector<std::string> inputs;
    for (const std::string& b : layer.bottoms) {
      in_shapes.push_back(shape_.at(b));
      inputs.push_back(value_.at(b));
    }
    const std::string_view type = layer.op->type();
    onnx::NodeProto* n = nullptr;
    if (type == ConvOp::kType) {
      const ConvParams& p = as<ConvOp>(layer).params();
      inputs.push_back(initializer(layer, "weight"));
      if (p.bias) inputs.push_back(initializer(layer, "bias"));
      n = &node(layer, "Conv", inputs);
      set_ints(*n, "kernel_shape", {p.kernel_h, p.kernel_w});
      set_ints(*n, "strides", {p.stride_h, p.stride_w});
      set_ints(*n, "pads",
               {p.pad_h, p.pad_w, p.pad_bottom.value_or(p.pad_h), p.pad_right.value_or(p.pad_w)});
      set_int(*n, "group", p.groups);
    } else if (type == InnerProductOp::kType) {
      if (in_shapes[0].rank() > 2) {
        std::string flat = inputs[0] + "/flat";
        while (!names_.insert(flat).second) flat += "_";
        onnx::NodeProto& f = node(layer, "Flatten", inputs);
        f.set_name(layer.name + "/flatten");
        f.add_output(flat);
        set_int(f, "axis", 1);
        inputs = {flat};
      }
      inputs.push_back(initializer(layer, "weight"));
      if (as<InnerProductOp>(layer).params().bias) inputs.push_back(initializer(layer, "bias"));
      n = &node(layer, "Gemm", inputs);
      set_int(*n, "transB", 1);
    } else if (type == ReluOp::kType) {
      const double slope = as<ReluOp>(layer).params().negative_slope;
      n = &node(layer, slope == 0 ? "Relu" : "LeakyRelu", inputs);
      if (slope != 0) set_float(*n, "alpha", slope);
    } else if (type == LrnOp::kType) {
      const LrnParams& p = as<LrnOp>(layer).params();
      n = &node(layer, "LRN", inputs);
      set_int(*n, "size", p.local_size);
      set_float(*n, "alpha", p.alpha), set_float(*n, "beta", p.beta), set_float(*n, "bias", p.k);
    } else if (type == PoolOp::kType) {
      const PoolParams& p = as<PoolOp>(layer).params();
      const bool max = p.method == PoolMethod::kMax;
      if (p.global_pooling) {
        n = &node(layer, max ? "GlobalMaxPool" : "GlobalAveragePool", inputs);
      } else {
        n = &node(layer, max ? "MaxPool" : "AveragePool", inputs);
        set_ints(*n, "kernel_shape", {p.kernel_h, p.kernel_w});
        set_ints(*n, "strides", {p.stride_h, p.stride_w});
        set_ints(*n, "pads",
                 {p.pad_h, p.pad_w, p.pad_bottom.value_or(p.pad_h), p.pad_right.value_or(p.pad_w)});
        set_int(*n, "ceil_mode", p.ceil_mode ? 1 : 0);
        if (!max) set_int(*n, "count_include_pad", p.exclude_padding ? 0 : 1);
      }
    } else if (type == DropoutOp::kType) {
      n = &node(layer, "Dropout", inputs);
      set_float(*n, "ratio", as<DropoutOp>(layer).params().ratio);
    } else if (type == ConcatOp::kType) {
      n = &node(layer, "Concat", inputs);
      set_int(*n, "axis", as<ConcatOp>(layer).params().axis);
    } else if (type == SoftmaxOp::kType) {
      n = &node(layer, "Softmax", inputs);
      set_int(*n, "axis", as<SoftmaxOp>(layer).params().axis);
    } else {
      throw ParamError("layer '" + layer.name + "' (" + std::string(type) + ") has no ONNX export");
    }
    for (const std::string& top : layer.tops) n->add_output(define(top, layer.name));
  }

  const NetSpec& spec_;
  std::map<std::string, const Tensor*> weights_;
  onnx::GraphProto* graph_ = nullptr;
  std::map<std::string, std::string> value_;  // blob -> its current SSA value name
  std::map<std::string, Shape> shape_;        // every blob of the TEST net, from infer_shapes
  std::set<std::string> names_;
};

}  // namespace

void save_onnx(const NetSpec& spec, const std::vector<NamedTensor>& weights,
               const std::string& path) {
  proto_io::write_binary(path, Exporter(spec, weights).run());
}

}  // namespace svertka
