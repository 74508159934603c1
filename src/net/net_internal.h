// Net's compiled form, shared by the compiler (net.cc) and the memory planner (net_memory.cc).
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "net/buffer_plan.h"
#include "svertka/error.h"
#include "svertka/infer_shapes.h"
#include "svertka/net.h"

namespace svertka {

// The bytes of `copies` float buffers of `elements` each, INT64_MAX past int64 (to count against a
// memory limit).
inline int64_t float_bytes(int64_t elements, int64_t copies = 1) {
  int64_t bytes = 0;
  if (__builtin_mul_overflow(elements, copies * int64_t(sizeof(float)), &bytes)) return INT64_MAX;
  return bytes;
}

// One row of describe_layers() / Net::layer_infos() from the layer's inferred shapes.
LayerInfo describe_layer(const LayerSpec& layer, const LayerShapes& shapes);

// "net 'N', layer 'conv1' (Convolution) on cpu_dnnl, <action>: <what>".
std::string kernel_failure(const std::string& net, const LayerSpec& layer, Backend backend,
                           std::string_view action, const char* what);

// Runs `work` (making, configuring or running one layer's kernel). A failure that is not one of
// svertka's own errors (dnnl::error for a primitive oneDNN cannot create or run, std::bad_alloc)
// becomes a BackendError naming the net, the layer, its op type and the backend, and a backend's
// own BackendError gains that context; every other svertka error passes unchanged.
template <class Work>
decltype(auto) in_layer(const std::string& net, const LayerSpec& layer, Backend backend,
                        std::string_view action, Work&& work) {
  try {
    return work();
  } catch (const BackendError& e) {
    throw BackendError(kernel_failure(net, layer, backend, action, e.what()));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw BackendError(kernel_failure(net, layer, backend, action, e.what()));
  }
}

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
  float u8_scale = 0;                      // the grid step of kU8ChannelsLast codes
  Tensor data, grad;
  // The blob (an index into blobs_) whose buffer sharing overwrites this one's data or gradient
  // after its last reader, or -1: blob() and blob_grad() refuse to return a stale buffer.
  int data_reused_by = -1, grad_reused_by = -1;
};

struct Net::Layer {
  LayerSpec spec;
  std::unique_ptr<Kernel> kernel;
  std::vector<int> bottoms, tops;
  std::vector<int> param_indices;
  float loss_weight = 0;
  bool runs_backward = false;
  bool fused = false;  // a ReLU the kernel of its input's producer applies (Net::fuse_relus)
  std::vector<bool> writes_bottom_grad, accumulates_bottom_grad;
  Tensor loss_weight_grad;            // (1): the gradient of the total loss w.r.t. this loss
  std::vector<Tensor> scratch_grads;  // per bottom that accumulates: where its part lands
  ForwardArgs<float> forward_args;
  BackwardArgs<float> backward_args;
};

// Shared by Net and plan_test_memory (memory_plan.cc), so the shape-only plan is the compiled one.
// A version made in place (alias_of) keeps its bottom's buffer only where in_place_ok(producer
// layer) and nothing else reads, or keeps (keep_blobs), the bottom; otherwise it gets its own.
void resolve_in_place(std::vector<Net::Blob>& blobs, const std::function<bool(int)>& in_place_ok,
                      const std::vector<std::string>& keep_blobs);
// Activation buffers per alias group (keyed by its root version), in forward steps: live from the
// producer to the last reader, or to the end (num_layers) for an output, a kept blob, or any blob
// when training (backward reads them). Net inputs own their buffers and are left out.
std::map<int, BufferRequest> activation_requests(const std::vector<Net::Blob>& blobs,
                                                 int num_layers, const std::set<std::string>& keep,
                                                 bool training);

}  // namespace svertka
