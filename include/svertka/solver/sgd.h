// SGD with momentum and weight decay in Caffe's form:
//   v = m*v + lr*lr_mult*(g + wd*decay_mult*w);   w -= v
// Nesterov (Caffe's NesterovSolver): w -= (1+m)*v_new - m*v_old.
#pragma once

#include <vector>

#include "svertka/net.h"

namespace svertka {

struct SgdOptions {
  double momentum = 0.9;
  double weight_decay = 5e-4;
  bool nesterov = false;
};

// One parameter's update, with its multipliers applied.
struct SgdUpdate {
  float rate = 0;      // lr * lr_mult
  float decay = 0;     // weight_decay * decay_mult
  float momentum = 0;  // m
  bool nesterov = false;
};

// The update on host memory: what SgdSolver runs for parameters there, and what a backend with
// memory of its own does inside its memory (BackendEntry::sgd_update, backend.h).
void sgd_update_on_host(const SgdUpdate& update, Tensor& value, const Tensor& grad,
                        Tensor& momentum);
using SgdUpdateFunction = void (*)(const SgdUpdate&, Tensor& value, const Tensor& grad,
                                   Tensor& momentum);

class SgdSolver {
 public:
  // The momentum buffers are allocated where the parameters are (memory.h).
  SgdSolver(std::vector<Parameter>& params, SgdOptions options);

  // Applies one update with learning rate `lr` from the parameters' current gradients.
  void step(double lr);

  // Momentum buffers, one per parameter (for checkpoints).
  std::vector<Tensor>& momentum() { return momentum_; }
  const std::vector<Tensor>& momentum() const { return momentum_; }
  const SgdOptions& options() const { return options_; }

 private:
  std::vector<Parameter>& params_;
  SgdOptions options_;
  std::vector<Tensor> momentum_;
  std::vector<SgdUpdateFunction> updates_;  // per parameter: where its memory is updated
};

}  // namespace svertka
