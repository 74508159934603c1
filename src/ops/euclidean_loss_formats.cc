// The Caffe and ONNX mappings of EuclideanLossOp: its format entry (io/format_registry.h).
// Caffe "EuclideanLoss" (same normalisation: 1 / 2N).
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/euclidean_loss.h"

namespace svertka {

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(2, 1);
  r.add(std::make_shared<EuclideanLossOp>());
}

void write_caffe(caffe_io::LayerWriter& /*w*/) {}  // the loss weight is written for every layer

}  // namespace

const FormatEntry& format_entry_euclidean_loss() {
  static const FormatEntry entry{
      .type = EuclideanLossOp::kType,
      .caffe = CaffeMapping{.layer_type = "EuclideanLoss",
                            .v1_type = "EUCLIDEAN_LOSS",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = NoEquivalent{"a training loss: ONNX export writes the inference graph"},
  };
  return entry;
}

}  // namespace svertka
