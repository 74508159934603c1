// The Caffe and ONNX mappings of SoftmaxLossOp: its format entry (io/format_registry.h).
// Caffe "SoftmaxWithLoss".
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/softmax_loss.h"

namespace svertka {

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(2, 1);
  const auto& p = r.layer().loss_param();
  SoftmaxLossParams s;
  if (p.has_ignore_label()) s.ignore_label = p.ignore_label();
  if (s.ignore_label && (p.has_normalize() || p.normalization() != caffe::LossParameter::VALID))
    r.fail("loss normalization other than VALID with an ignore_label is unsupported");
  if (r.layer().softmax_param().axis() != 1) r.fail("softmax axis other than 1 is unsupported");
  r.add(std::make_shared<SoftmaxLossOp>(s));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const auto& ignore = w.op<SoftmaxLossOp>().params().ignore_label;
  if (ignore) w.layer().mutable_loss_param()->set_ignore_label(int32_t(*ignore));
}

}  // namespace

const FormatEntry& format_entry_softmax_loss() {
  static const FormatEntry entry{
      .type = SoftmaxLossOp::kType,
      .caffe = CaffeMapping{.layer_type = "SoftmaxWithLoss",
                            .v1_type = "SOFTMAX_LOSS",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = NoEquivalent{"a training loss: ONNX export writes the inference graph"},
  };
  return entry;
}

}  // namespace svertka
