// oneDNN concat: the concat primitive forward; backward splits the gradient with one reorder per
// input, each reading its block of dy through a sub-memory descriptor.
//
// Plain tensors are seen as (outer, C_i, inner) concatenated on dim 1: the same memory for any
// rank and axis, so one code path serves (N,C), (N,C,H,W) and GoogLeNet's Inception joins. A 4-D
// channel join whose parts all start and end on channel-block boundaries also takes blocked blobs
// (blob_layout.h), each input and the output in its own layout, and u8 codes (all of them).
#pragma once

#include <vector>

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/ops/concat.h"

namespace svertka::cpu_dnnl {

class Concat final : public Kernel {
 public:
  Concat(const ConcatOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  LayoutSupport layout_support() const override {
    return blockable_ ? LayoutSupport::kAny : LayoutSupport::kPlainOnly;
  }
  void set_layouts(const std::vector<BlobLayout>& inputs,
                   const std::vector<BlobLayout>& outputs) override;
  // A channel join of u8 codes (an Inception module's output in int8 inference).
  bool passes_u8() const override { return y_shape_.rank() == 4 && geometry_.axis == 1; }

 private:
  DnnlDevice& device_;
  void build(const std::vector<dnnl::memory::desc>& x_descs, const dnnl::memory::desc& y_desc);

  ConcatGeometry geometry_;
  std::vector<Shape> x_shapes_;
  Shape y_shape_;
  bool blockable_ = false;
  dnnl::concat forward_;
  std::vector<dnnl::reorder> split_;  // split_[i]: dy block i -> dx_i
  std::vector<dnnl::memory> x_, dx_, dy_block_;
  dnnl::memory y_;
};

}  // namespace svertka::cpu_dnnl
