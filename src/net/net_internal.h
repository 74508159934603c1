// Net's compiled form, shared by the compiler (net.cc) and the memory planner (net_memory.cc).
#pragma once

#include "svertka/net.h"

namespace svertka {

struct Net::Blob {
  std::string name;
  Shape shape;
  int producer = -1;           // layer index; -1 for a net input
  std::vector<int> consumers;  // layer indices, in order
  int alias_of = -1;           // in place: the version whose buffers this one shares
  bool depends_on_params = false;
  // (layer, bottom position) pairs that write this blob's gradient, in backward order: the first
  // writes, the others accumulate.
  std::vector<std::pair<int, int>> grad_writers;
  bool needs_grad = false;  // a running layer reads it as a top gradient
  BlobLayout layout = BlobLayout::kPlain;  // of data and grad alike
  Tensor data, grad;
};

struct Net::Layer {
  LayerSpec spec;
  std::unique_ptr<Kernel> kernel;
  std::vector<int> bottoms, tops;
  std::vector<int> param_indices;
  float loss_weight = 0;
  bool runs_backward = false;
  std::vector<bool> writes_bottom_grad, accumulates_bottom_grad;
  Tensor loss_weight_grad;            // (1): the gradient of the total loss w.r.t. this loss
  std::vector<Tensor> scratch_grads;  // per bottom that accumulates: where its part lands
  ForwardArgs<float> forward_args;
  BackwardArgs<float> backward_args;
};

}  // namespace svertka
