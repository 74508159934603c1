// The Caffe and ONNX mappings of InnerProductOp: its format entry (io/format_registry.h).
// Caffe "InnerProduct", ONNX "Gemm" / "MatMul" (+ "Add" of a bias).
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/inner_product.h"

namespace svertka {

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(1, 1);
  const auto& p = r.layer().inner_product_param();
  if (p.axis() != 1) r.fail("axis other than 1 is unsupported");
  if (p.transpose()) r.fail("transpose: true is unsupported");
  InnerProductParams f;
  f.out_features = p.num_output();
  f.bias = p.bias_term();
  std::vector<const caffe::FillerParameter*> fillers{
      caffe_io::filler_if(p.has_weight_filler(), p.weight_filler())};
  if (f.bias) fillers.push_back(caffe_io::filler_if(p.has_bias_filler(), p.bias_filler()));
  r.add(std::make_shared<InnerProductOp>(f), r.params(fillers));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const InnerProductParams& p = w.op<InnerProductOp>().params();
  auto* f = w.layer().mutable_inner_product_param();
  f->set_num_output(uint32_t(p.out_features));
  f->set_bias_term(p.bias);
  w.param(w.layer(), 0, f->mutable_weight_filler());
  if (p.bias) w.param(w.layer(), 1, f->mutable_bias_filler());
}

// Gemm (alpha, beta, transB) and MatMul: the weight becomes (out, in), scaled by alpha.
void read_fully_connected(onnx_io::NodeReader& r) {
  const bool gemm = r.node().op_type() == "Gemm";
  if (gemm && r.attr_int("transA", 0) != 0) r.fail("transA 1 is unsupported");
  const onnx_io::Constant& b = r.need_constant(1);
  if (b.dims.size() != 2) r.fail("the weight must be 2-D");
  const bool trans_b = gemm && r.attr_int("transB", 0) != 0;
  const int64_t out = trans_b ? b.dims[0] : b.dims[1], in = trans_b ? b.dims[1] : b.dims[0];
  const float alpha = gemm ? r.attr_float("alpha", 1) : 1;
  Tensor w = r.new_weight(Shape{out, in});
  for (int64_t o = 0; o < out; ++o)
    for (int64_t k = 0; k < in; ++k)
      w[o * in + k] = alpha * b.floats[size_t(trans_b ? o * in + k : k * out + o)];
  InnerProductParams p;
  p.out_features = out;
  p.bias = gemm && r.has_input(2);
  std::vector<Tensor> params{w};
  if (p.bias) {
    const onnx_io::Constant& c = r.need_constant(2);
    if (c.numel() != out)
      r.fail("only a per-output bias C of " + std::to_string(out) + " values is supported");
    Tensor bias = r.to_tensor(c, Shape{out});
    const float beta = r.attr_float("beta", 1);
    for (int64_t o = 0; o < out; ++o) bias[o] *= beta;
    params.push_back(bias);
  }
  r.add(std::make_shared<InnerProductOp>(p), {r.blob(0)}, std::move(params));
}

// MatMul + Add(constant): the Add becomes the inner product's bias.
void read_bias(onnx_io::NodeReader& r) {
  if (r.node().input_size() != 2) r.fail("expects two inputs");
  const int c = r.constant(1) ? 1 : 0;
  const std::string& value = r.node().input(1 - c);
  const LayerSpec* fc = r.last_layer();
  if (!r.constant(c) || !fc || fc->tops[0] != value || fc->op->type() != InnerProductOp::kType)
    r.fail("only an Add of a constant bias right after a MatMul is supported");
  InnerProductParams p = dynamic_cast<const InnerProductOp&>(*fc->op).params();
  if (p.bias) r.fail("the inner product before it already has a bias");
  const onnx_io::Constant& bias = r.need_constant(c);
  if (bias.numel() != p.out_features) r.fail("the bias must have one value per output");
  p.bias = true;
  r.extend_last_layer(std::make_shared<InnerProductOp>(p), "bias",
                      r.to_tensor(bias, Shape{p.out_features}));
}

void read_onnx(onnx_io::NodeReader& r) {
  if (r.node().op_type() == "Add") return read_bias(r);
  read_fully_connected(r);
}

void write_onnx(onnx_io::NodeWriter& w) {
  std::vector<std::string> inputs = w.inputs();
  if (w.input_shapes()[0].rank() > 2) {
    onnx::NodeProto& f = w.node("Flatten", inputs);
    f.set_name(w.layer().name + "/flatten");
    onnx_io::set_int(f, "axis", 1);
    inputs = {w.intermediate_output(f, inputs[0] + "/flat")};
  }
  inputs.push_back(w.initializer("weight"));
  if (w.op<InnerProductOp>().params().bias) inputs.push_back(w.initializer("bias"));
  onnx_io::set_int(w.node("Gemm", inputs), "transB", 1);
}

}  // namespace

const FormatEntry& format_entry_inner_product() {
  static const FormatEntry entry{
      .type = InnerProductOp::kType,
      .caffe = CaffeMapping{.layer_type = "InnerProduct",
                            .v1_type = "INNER_PRODUCT",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx =
          OnnxMapping{
              .node_types = {"Gemm", "MatMul", "Add"}, .read = read_onnx, .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
