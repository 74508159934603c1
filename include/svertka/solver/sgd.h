// SGD with momentum and weight decay in Caffe's form:
//   v = m*v + lr*lr_mult*(g + wd*decay_mult*w);   w -= v
// Nesterov (Caffe's NesterovSolver): w -= (1+m)*v_new - m*v_old.
#pragma once

#include <vector>

#include "svertka/device.h"
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

// The update on host memory: Device::sgd_update of the host, and what a device with memory of its
// own does inside its memory (device.h).
void sgd_update_on_host(const SgdUpdate& update, Tensor& value, const Tensor& grad,
                        Tensor& momentum);

class SgdSolver {
 public:
  // Updates parameters that live on `device` (a net's: Net::device()), with momentum buffers in
  // its memory; ParamError for a parameter in other memory.
  SgdSolver(std::vector<Parameter>& params, SgdOptions options, Device& device = host_device());

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
  Device& device_;
};

}  // namespace svertka
