// Caffe's solvers, with Caffe's update rules (its SGDSolver and the solvers derived from it). For
// a parameter w with gradient g (averaged over iter_size batches), local rate r = lr * lr_mult and
// local decay d = weight_decay * decay_mult, the gradient is first regularised,
//   L2: g += d*w        L1: g += d*sign(w)
// then, with history buffers h (and h2), momentum m, delta e, momentum2 b2, rms_decay q and t the
// update's number counted from 1:
//   SGD       h = m*h + r*g;                          w -= h
//   Nesterov  h' = m*h + r*g;                         w -= (1+m)*h' - m*h
//   AdaGrad   h += g^2;                               w -= r * g / (sqrt(h) + e)
//   RMSProp   h = q*h + (1-q)*g^2;                    w -= r * g / (sqrt(h) + e)
//   AdaDelta  h = m*h + (1-m)*g^2;  u = g * sqrt((h2 + e) / (h + e));
//             h2 = m*h2 + (1-m)*u^2;                  w -= r * u
//   Adam      h = m*h + (1-m)*g;  h2 = b2*h2 + (1-b2)*g^2;
//                                                     w -= r * sqrt(1-b2^t)/(1-m^t) * h / (sqrt(h2)
//                                                     + e)
// PyTorch's optimisers define the same updates for RMSprop, Adagrad (lr_decay 0, a zero initial
// accumulator) and Adadelta, with weight decay added to the gradient as Caffe's L2; its SGD and
// Nesterov keep the rate outside the momentum buffer (v = m*v + g; w -= lr*v, resp.
// w -= lr*(g + m*v)): the same while the rate is constant, not across a rate change; its Adam adds
// eps to sqrt(h2)/sqrt(1-b2^t) rather than to sqrt(h2) (the same with eps 0). Caffe's L1
// regularisation and clip_gradients have no torch.optim counterpart. tests/unit/
// solver_torch_test.cc checks all six against torch.optim where they coincide
// (tools/solver_torch_fixture.py).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "svertka/device.h"
#include "svertka/net.h"

namespace svertka {

enum class SolverType { kSgd, kNesterov, kAdaGrad, kRmsProp, kAdaDelta, kAdam };
enum class Regularization { kL2, kL1 };

// Parses Caffe's type names, case-insensitively: "SGD", "Nesterov", "AdaGrad", "RMSProp",
// "AdaDelta", "Adam"; ParamError otherwise.
SolverType parse_solver_type(const std::string& name);
std::string solver_type_name(SolverType type);  // Caffe's spelling
// History buffers per parameter: 2 for AdaDelta and Adam, else 1.
int history_buffers(SolverType type);

struct SgdOptions {
  SolverType type = SolverType::kSgd;
  double momentum = 0.9;  // Adam's beta1, AdaDelta's decay
  double weight_decay = 5e-4;
  Regularization regularization = Regularization::kL2;
  double delta = 1e-8;       // AdaGrad, RMSProp, AdaDelta, Adam: added to the denominators
  double momentum2 = 0.999;  // Adam's beta2
  double rms_decay = 0.99;   // RMSProp
  // Caffe's clip_gradients: when positive and the L2 norm of every parameter's gradient together
  // exceeds it, each gradient is scaled by clip_gradients / norm before the update. Here the
  // gradients are averaged over iter_size; Caffe clips their sum (load_caffe_solver divides its
  // value by iter_size). Needs parameters in host memory.
  double clip_gradients = -1;
};

// One parameter's update, with its multipliers applied.
struct SgdUpdate {
  SolverType type = SolverType::kSgd;
  float rate = 0;      // lr * lr_mult
  float decay = 0;     // weight_decay * decay_mult
  bool l1 = false;     // regularisation by sign(w) rather than w
  float momentum = 0;  // m
  float delta = 0;
  float momentum2 = 0;
  float rms_decay = 0;
  int64_t t = 1;  // the update's number, from 1 (Adam's bias correction)
};

// The update on host memory: Device::sgd_update of the host, and what a device with memory of its
// own does inside its memory (device.h).
// `history2` is used by AdaDelta and Adam only.
void sgd_update_on_host(const SgdUpdate& update, Tensor& value, const Tensor& grad, Tensor& history,
                        Tensor& history2);

class SgdSolver {
 public:
  // Updates parameters that live on `device` (a net's: Net::device()), with history buffers in
  // its memory; ParamError for a parameter in other memory or options out of range.
  SgdSolver(std::vector<Parameter>& params, SgdOptions options, Device& device = host_device());

  // Applies update number `iteration` (0-based, Caffe's iter_) with learning rate `lr` from the
  // parameters' current gradients.
  void step(double lr, int64_t iteration = 0);

  // History buffers, one per parameter: buffer 0 is the momentum (SGD, Nesterov), the sum of
  // squares (AdaGrad), their running mean (RMSProp, AdaDelta) or the first moment (Adam); buffer 1,
  // where history_buffers() is 2, AdaDelta's running mean of squared updates or Adam's second
  // moment. For checkpoints.
  std::vector<Tensor>& history(int buffer = 0) { return history_.at(static_cast<size_t>(buffer)); }
  const std::vector<Tensor>& history(int buffer = 0) const {
    return history_.at(static_cast<size_t>(buffer));
  }
  int num_history_buffers() const { return static_cast<int>(history_.size()); }
  std::vector<Tensor>& momentum() { return history(0); }
  const std::vector<Tensor>& momentum() const { return history(0); }
  const SgdOptions& options() const { return options_; }
  // The factor clip_gradients scaled the last step's gradients by (1: no clipping).
  double last_clip_scale() const { return last_clip_scale_; }

 private:
  std::vector<Parameter>& params_;
  SgdOptions options_;
  std::vector<std::vector<Tensor>> history_;  // [buffer][parameter]
  Device& device_;
  double last_clip_scale_ = 1;
  void clip_gradients();
};

}  // namespace svertka
