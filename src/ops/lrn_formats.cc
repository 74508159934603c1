// The Caffe and ONNX mappings of LrnOp: its format entry (io/format_registry.h).
// Caffe "LRN", ONNX "LRN".
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/lrn.h"

namespace svertka {

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(1, 1);
  const auto& p = r.layer().lrn_param();
  if (p.norm_region() != caffe::LRNParameter::ACROSS_CHANNELS)
    r.fail("norm_region WITHIN_CHANNEL is unsupported");
  r.add(std::make_shared<LrnOp>(LrnParams{p.local_size(), p.alpha(), p.beta(), p.k()}));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const LrnParams& p = w.op<LrnOp>().params();
  auto* l = w.layer().mutable_lrn_param();
  l->set_local_size(uint32_t(p.local_size));
  l->set_alpha(float(p.alpha)), l->set_beta(float(p.beta)), l->set_k(float(p.k));
}

void read_onnx(onnx_io::NodeReader& r) {
  const LrnParams p{r.attr_int("size", 0), r.attr_float("alpha", 1e-4f),
                    r.attr_float("beta", 0.75f), r.attr_float("bias", 1.0f)};
  r.add(std::make_shared<LrnOp>(p), {r.blob(0)});
}

void write_onnx(onnx_io::NodeWriter& w) {
  const LrnParams& p = w.op<LrnOp>().params();
  onnx::NodeProto& n = w.node("LRN", w.inputs());
  onnx_io::set_int(n, "size", p.local_size);
  onnx_io::set_float(n, "alpha", p.alpha);
  onnx_io::set_float(n, "beta", p.beta);
  onnx_io::set_float(n, "bias", p.k);
}

}  // namespace

const FormatEntry& format_entry_lrn() {
  static const FormatEntry entry{
      .type = LrnOp::kType,
      .caffe =
          CaffeMapping{
              .layer_type = "LRN", .v1_type = "LRN", .read = read_caffe, .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"LRN"}, .read = read_onnx, .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
