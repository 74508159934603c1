// The Caffe and ONNX mappings of AccuracyOp: its format entry (io/format_registry.h).
// Caffe "Accuracy".
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/accuracy.h"

namespace svertka {

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(2, 1);
  const auto& p = r.layer().accuracy_param();
  if (p.axis() != 1) r.fail("axis other than 1 is unsupported");
  AccuracyParams a;
  a.top_k = p.top_k();
  if (p.has_ignore_label()) a.ignore_label = p.ignore_label();
  r.add(std::make_shared<AccuracyOp>(a));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const AccuracyParams& p = w.op<AccuracyOp>().params();
  if (p.top_k != 1) w.layer().mutable_accuracy_param()->set_top_k(uint32_t(p.top_k));
  if (p.ignore_label)
    w.layer().mutable_accuracy_param()->set_ignore_label(int32_t(*p.ignore_label));
}

}  // namespace

const FormatEntry& format_entry_accuracy() {
  static const FormatEntry entry{
      .type = AccuracyOp::kType,
      .caffe = CaffeMapping{.layer_type = "Accuracy",
                            .v1_type = "ACCURACY",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = NoEquivalent{"an evaluation metric: ONNX export writes the inference graph"},
  };
  return entry;
}

}  // namespace svertka
