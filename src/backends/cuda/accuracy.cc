// Top-k accuracy on the GPU with Caffe's tie rule (a sample counts when fewer than k classes
// score strictly higher than its label), one block over the batch (losses.cu).
#include "svertka/ops/accuracy.h"

#include <cmath>
#include <vector>

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/label_check.h"
#include "backends/cuda/launch.h"
#include "svertka/kernel_registry.h"

namespace svertka::cuda {
namespace {

class Accuracy final : public Kernel {
 public:
  Accuracy(const AccuracyOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)),
        label_(op.label()),
        n_(inputs.at(0)[0]),
        classes_(inputs.at(0).numel() / std::max<int64_t>(inputs.at(0)[0], 1)),
        top_k_(op.params().top_k),
        ignore_(op.params().ignore_label),
        positions_(bad_label_buffer(device_.memory(), 2)) {}

  // inputs {scores (N, C), labels (N)}, outputs {accuracy (1)}
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    launch_accuracy(device_.stream(), n_, classes_, top_k_, ignore_.has_value(),
                    ignore_.value_or(0), args.inputs[0]->data(), args.inputs[1]->data(),
                    args.outputs[0]->data(), reinterpret_cast<int64_t*>(positions_.data()));
    // One read-back (it waits for the stream) for both: the first bad label, the first sample
    // with a score that is not finite.
    int64_t positions[2] = {-1, -1};
    positions_.memory()->copy_to_host(positions, positions_.data(), sizeof(positions));
    throw_if_bad_label(positions[0], *args.inputs[1], classes_, label_, "of sample");
    throw_if_not_finite(positions[1], *args.inputs[0]);
  }
  void backward(const BackwardArgs<float>&) override {
    throw Error(label_ + ": Accuracy has no backward (it is an evaluation metric)");
  }

 private:
  // For the first counted sample with a NaN or Inf score (>= 0; -1: none), its row is read back
  // to name the class.
  void throw_if_not_finite(int64_t sample, const Tensor& scores) const {
    if (sample < 0) return;
    std::vector<float> row(static_cast<size_t>(classes_));
    scores.memory()->copy_to_host(row.data(), scores.data() + sample * classes_,
                                  row.size() * sizeof(float));
    for (int64_t c = 0; c < classes_; ++c)
      if (!std::isfinite(row[static_cast<size_t>(c)]))
        throw_scores_not_finite(label_, sample, c, row[static_cast<size_t>(c)]);
  }

  CudaDevice& device_;
  std::string label_;
  int64_t n_, classes_, top_k_;
  std::optional<int64_t> ignore_;
  Tensor positions_;  // launch_accuracy's bad_label: two int64
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_accuracy(KernelRegistry& registry) {
  registry.add<AccuracyOp, cuda::Accuracy>(Backend::kCuda);
}

}  // namespace svertka
