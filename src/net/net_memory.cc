// Net memory planning: activation and gradient buffers shared by liveness, and the kernel
// arguments bound to them once.
#include <algorithm>
#include <set>

#include "net/buffer_plan.h"
#include "net/net_internal.h"

namespace svertka {
namespace {

int root_of(const std::vector<Net::Blob>& blobs, int v) {
  while (blobs[static_cast<size_t>(v)].alias_of >= 0) v = blobs[static_cast<size_t>(v)].alias_of;
  return v;
}

// Gradients, in backward steps (layer i runs at step L-1-i): live from the first writer (or the
// start, for a top gradient nobody writes) to the producer, which reads it. One request per alias
// group, keyed by its root.
std::map<int, BufferRequest> gradient_requests(const std::vector<Net::Blob>& blobs, int num_layers,
                                               const std::set<std::string>& keep) {
  auto backward_step = [&](int layer) { return num_layers - 1 - layer; };
  std::map<int, BufferRequest> grad_requests;
  for (size_t v = 0; v < blobs.size(); ++v) {
    const Net::Blob& blob = blobs[v];
    if (!blob.needs_grad && blob.grad_writers.empty()) continue;
    const int root = root_of(blobs, static_cast<int>(v));
    const int first =
        blob.grad_writers.empty() ? 0 : backward_step(blob.grad_writers.front().first);
    const bool kept = keep.count(blob.name) > 0;  // readable through blob_grad() after backward
    const int last =
        kept ? num_layers
             : std::max(first, blob.producer >= 0 ? backward_step(blob.producer) : first);
    auto [it, fresh] =
        grad_requests.try_emplace(root, BufferRequest{blob.shape.numel(), first, last});
    if (!fresh) {
      it->second.first_step = std::min(it->second.first_step, first);
      it->second.last_step = std::max(it->second.last_step, last);
    }
  }
  return grad_requests;
}

}  // namespace

std::map<int, BufferRequest> activation_requests(const std::vector<Net::Blob>& blobs,
                                                 int num_layers, const std::set<std::string>& keep,
                                                 bool training) {
  std::map<int, BufferRequest> data_requests;
  for (size_t v = 0; v < blobs.size(); ++v) {
    const Net::Blob& blob = blobs[v];
    const int root = root_of(blobs, static_cast<int>(v));
    if (blobs[static_cast<size_t>(root)].producer < 0) continue;  // inputs own their buffers
    auto [it, fresh] = data_requests.try_emplace(root);
    BufferRequest& r = it->second;
    if (fresh) r = {blob.shape.numel(), blob.producer, blob.producer};
    const bool live_to_end = training || blob.consumers.empty() || keep.count(blob.name);
    r.last_step = std::max(r.last_step, live_to_end ? num_layers : blob.consumers.back());
  }
  return data_requests;
}

void Net::plan_memory() {
  const int num_layers = static_cast<int>(layers_.size());
  const std::set<std::string> keep(options_.keep_blobs.begin(), options_.keep_blobs.end());
  const bool training = options_.phase == Phase::kTrain;

  // Activations, per alias group (a blob and its in-place versions): live from the producer to the
  // last reader. Training keeps every activation, since backward reads them.
  const std::map<int, BufferRequest> data_requests =
      activation_requests(blobs_, num_layers, keep, training);
  std::vector<int> data_roots;
  std::vector<BufferRequest> requests;
  for (const auto& [root, request] : data_requests)
    data_roots.push_back(root), requests.push_back(request);
  const BufferPlan data_plan = plan_buffers(requests, /*share=*/!training);
  int64_t activation_elements = data_plan.total_elements(), unplanned = 0;
  for (const auto& r : requests) unplanned += r.elements;

  const std::map<int, BufferRequest> grad_requests = gradient_requests(blobs_, num_layers, keep);
  std::vector<int> grad_roots;
  requests.clear();
  for (const auto& [root, request] : grad_requests)
    grad_roots.push_back(root), requests.push_back(request);
  const BufferPlan grad_plan = plan_buffers(requests, /*share=*/true);
  activation_elements += grad_plan.total_elements();
  for (const auto& r : requests) unplanned += r.elements;

  for (const Blob& blob : blobs_)
    if (blob.producer < 0)
      reserve_host(float_bytes(blob.shape.numel()), "input " + blob.shape.str());
  reserve_host(float_bytes(activation_elements),
               std::string(training ? "the activations and gradients" : "the activations") +
                   " of its inputs' shapes");
  std::vector<Tensor> data_slots, grad_slots;
  for (int64_t elements : data_plan.slot_elements)
    data_slots.emplace_back(Shape{elements}, memory_);
  for (int64_t elements : grad_plan.slot_elements)
    grad_slots.emplace_back(Shape{elements}, memory_);

  // Bind every version to its group's buffers.
  for (size_t k = 0; k < data_roots.size(); ++k) {
    Blob& root = blobs_[static_cast<size_t>(data_roots[k])];
    root.data = data_slots[static_cast<size_t>(data_plan.slot_of_request[k])].view(root.shape);
    if (const int next = data_plan.next_occupant[k]; next >= 0)
      root.data_reused_by = data_roots[static_cast<size_t>(next)];
  }
  for (size_t k = 0; k < grad_roots.size(); ++k) {
    Blob& root = blobs_[static_cast<size_t>(grad_roots[k])];
    root.grad = grad_slots[static_cast<size_t>(grad_plan.slot_of_request[k])].view(root.shape);
    if (const int next = grad_plan.next_occupant[k]; next >= 0)
      root.grad_reused_by = grad_roots[static_cast<size_t>(next)];
  }
  for (size_t v = 0; v < blobs_.size(); ++v) {
    Blob& blob = blobs_[v];
    const Blob& root = blobs_[static_cast<size_t>(root_of(blobs_, static_cast<int>(v)))];
    if (blob.producer < 0) {
      blob.data = Tensor(blob.shape, memory_);
      activation_elements += blob.shape.numel();
      unplanned += blob.shape.numel();
    } else if (&blob != &root) {
      blob.data = root.data.view(blob.shape);
      if (root.grad.defined()) blob.grad = root.grad.view(blob.shape);
      blob.data_reused_by = root.data_reused_by, blob.grad_reused_by = root.grad_reused_by;
    }
  }

  activation_elements += bind_kernel_args();
  activation_bytes_ = activation_elements * static_cast<int64_t>(sizeof(float));
  unplanned_activation_bytes_ = unplanned * static_cast<int64_t>(sizeof(float));
}

int64_t Net::bind_kernel_args() {
  // Where a second reader's gradient lands before it is added: one buffer per bottom position.
  std::vector<int64_t> scratch_elements;
  for (auto& layer : layers_)
    for (size_t b = 0; b < layer->bottoms.size(); ++b)
      if (layer->accumulates_bottom_grad[b]) {
        scratch_elements.resize(std::max(scratch_elements.size(), b + 1), 0);
        scratch_elements[b] = std::max(
            scratch_elements[b], blobs_[static_cast<size_t>(layer->bottoms[b])].shape.numel());
      }
  int64_t scratch_total = 0;
  for (int64_t elements : scratch_elements) {
    accumulation_scratch_.emplace_back(Shape{std::max<int64_t>(elements, 1)}, memory_);
    scratch_total += elements;
  }

  for (auto& layer : layers_) {
    ForwardArgs<float>& f = layer->forward_args;
    BackwardArgs<float>& g = layer->backward_args;
    f.phase = g.phase = options_.phase;
    layer->scratch_grads.resize(layer->bottoms.size());
    for (size_t b = 0; b < layer->bottoms.size(); ++b) {
      Blob& bottom = blobs_[static_cast<size_t>(layer->bottoms[b])];
      f.inputs.push_back(&bottom.data);
      g.inputs.push_back(&bottom.data);
      Tensor* grad = nullptr;
      if (layer->accumulates_bottom_grad[b]) {
        layer->scratch_grads[b] = accumulation_scratch_[b].view(bottom.shape);
        grad = &layer->scratch_grads[b];
      } else if (layer->writes_bottom_grad[b]) {
        grad = &bottom.grad;
      }
      g.input_grads.push_back(grad);
    }
    for (size_t k = 0; k < layer->param_indices.size(); ++k) {
      Parameter& param = params_[static_cast<size_t>(layer->param_indices[k])];
      f.params.push_back(&param.value);
      g.params.push_back(&param.value);
      g.param_grads.push_back(param.spec.lr_mult != 0 ? &param.grad : nullptr);
      if (layer->spec.op->param_is_state(k)) f.state.push_back(&param.value);
    }
    for (int t : layer->tops) {
      Blob& top = blobs_[static_cast<size_t>(t)];
      f.outputs.push_back(&top.data);
      g.outputs.push_back(&top.data);
    }
    if (layer->loss_weight != 0) {
      Tensor weight(Shape{1});
      weight[0] = layer->loss_weight;
      layer->loss_weight_grad = Tensor(Shape{1}, memory_);
      layer->loss_weight_grad.copy_from(weight);
      g.output_grads.push_back(&layer->loss_weight_grad);
    } else if (layer->runs_backward) {
      for (int t : layer->tops) g.output_grads.push_back(&blobs_[static_cast<size_t>(t)].grad);
    }
  }
  return scratch_total;
}

}  // namespace svertka
