#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>

#include "core/error_context.h"
#include "net/net_internal.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"

namespace svertka {

std::string kernel_failure(const std::string& net, const LayerSpec& layer, Backend backend,
                           std::string_view action, const char* what) {
  return "net '" + net + "', layer '" + layer.name + "' (" + std::string(layer.op->type()) +
         ") on " + std::string(backend_name(backend)) + ", " + std::string(action) + ": " + what;
}

Net::Net(const NetSpec& spec, const NetOptions& options)
    : name_(spec.name),
      options_(options),
      device_(options.device ? options.device : default_device(options.backend, options.precision)),
      memory_(device_->memory()) {
  options_.device = nullptr;  // held in device_
  const auto build = [&] {
    compile(spec);
    options_.shared_params.clear();  // the parameters hold what they use
    choose_layouts();
    plan_memory();
  };
  if (spec.source.empty())
    build();
  else  // errors in a net read from a file name the file
    error_context::with_context(spec.source, spec.source + ": ", build);
}

Net::~Net() {
  for (auto& [version, staged] : staged_inputs_)
    if (staged.defined()) device_->unpin(staged);
}

void Net::compile(const NetSpec& spec) {
  for (const InputSpec& input : spec.inputs) {
    if (latest_version_.count(input.name))
      throw ShapeError("net '" + name_ + "': input '" + input.name + "' is declared twice");
    latest_version_[input.name] = static_cast<int>(blobs_.size());
    Blob blob;
    blob.name = input.name;
    blob.shape = input.shape;
    blobs_.push_back(std::move(blob));
  }
  std::set<std::string> layer_names;
  const NetShapes inferred = infer_shapes(spec, options_.phase);
  for (const LayerShapes& shapes : inferred.layers) {
    const LayerSpec& ls = spec.layers[shapes.index];
    const std::string where = "net '" + name_ + "', layer '" + ls.name + "'";
    if (!layer_names.insert(ls.name).second) throw ParamError(where + ": the name is used twice");
    compile_layer(ls, shapes);
  }
  resolve_in_place();
  mark_backward();
  fuse_relus();
}

void Net::compile_layer(const LayerSpec& ls, const LayerShapes& shapes) {
  const std::string where = "net '" + name_ + "', layer '" + ls.name + "'";
  const int index = static_cast<int>(layers_.size());
  auto layer = std::make_unique<Layer>();
  layer->spec = ls;
  const Op& op = *ls.op;

  const std::vector<Shape>& bottom_shapes = shapes.bottoms;
  for (const auto& bottom : ls.bottoms) {
    const int version = latest_version_.find(bottom)->second;  // infer_shapes found every bottom
    layer->bottoms.push_back(version);
    blobs_[static_cast<size_t>(version)].consumers.push_back(index);
  }
  add_params(*layer, bottom_shapes);
  add_tops(*layer, shapes.tops, where);
  layer->loss_weight = ls.loss_weight.value_or(op.is_loss() ? 1.0f : 0.0f);
  layer->kernel = in_layer(name_, ls, backend(), "making its kernel", [&] {
    return KernelRegistry::instance().make(op, *device_, bottom_shapes);
  });

  layer_infos_.push_back(describe_layer(ls, shapes));
  layers_.push_back(std::move(layer));
}

void Net::add_params(Layer& layer, const std::vector<Shape>& bottom_shapes) {
  const Op& op = *layer.spec.op;
  const auto param_shapes = op.param_shapes(bottom_shapes);
  const auto param_names = op.param_names();
  for (size_t k = 0; k < param_shapes.size(); ++k) {
    Parameter p;
    p.name = layer.spec.name + "." + (k < param_names.size() ? param_names[k] : std::to_string(k));
    // A given value of this shape in the net's memory is shared rather than allocated and copied,
    // so a loaded model's weights are held once.
    const auto given = options_.shared_params.find(p.name);
    const bool shared = given != options_.shared_params.end() &&
                        given->second.shape() == param_shapes[k] &&
                        given->second.memory() == memory_;
    // A TEST net never runs backward: no gradient buffers (a VGG-16's would be 553 MB).
    const bool training = options_.phase == Phase::kTrain;
    reserve_host(float_bytes(param_shapes[k].numel(), int64_t(!shared) + int64_t(training)),
                 "layer '" + layer.spec.name + "' and its parameter " + param_shapes[k].str());
    p.value = shared ? given->second : Tensor(param_shapes[k], memory_);
    if (training) p.grad = Tensor(param_shapes[k], memory_);
    if (k < layer.spec.params.size())
      p.spec = layer.spec.params[k];
    else
      p.spec.filler = op.default_filler(k);
    if (op.param_is_state(k)) p.spec.lr_mult = p.spec.decay_mult = 0;
    layer.param_indices.push_back(static_cast<int>(params_.size()));
    params_.push_back(std::move(p));
  }
}

void Net::reserve_host(int64_t bytes, const std::string& what) {
  if (memory_) return;
  const int64_t limit = options_.max_bytes > 0 ? options_.max_bytes : host_memory_bytes();
  if (__builtin_add_overflow(reserved_host_bytes_, bytes, &reserved_host_bytes_))
    reserved_host_bytes_ = INT64_MAX;
  if (reserved_host_bytes_ <= limit) return;
  throw ResourceError("net '" + name_ + "' would need over " + byte_size(reserved_host_bytes_) +
                      " with " + what + ", more than the " + byte_size(limit) +
                      (options_.max_bytes > 0 ? " it may use (NetOptions::max_bytes)"
                                              : " this machine has (RAM and swap)") +
                      "; a smaller batch or input would fit");
}

void Net::add_tops(Layer& layer, const std::vector<Shape>& top_shapes, const std::string& where) {
  const LayerSpec& ls = layer.spec;
  for (size_t t = 0; t < ls.tops.size(); ++t) {
    const std::string& top = ls.tops[t];
    Blob blob;
    blob.name = top;
    blob.shape = top_shapes[t];
    blob.producer = static_cast<int>(layers_.size());
    auto in_place = std::find(ls.bottoms.begin(), ls.bottoms.end(), top);
    if (in_place != ls.bottoms.end()) {
      blob.alias_of = layer.bottoms[static_cast<size_t>(in_place - ls.bottoms.begin())];
    } else if (latest_version_.count(top)) {
      throw ParamError(where + ": top '" + top + "' is already produced by another layer or input");
    }
    layer.tops.push_back(static_cast<int>(blobs_.size()));
    latest_version_[top] = static_cast<int>(blobs_.size());
    blobs_.push_back(std::move(blob));
  }
}

void resolve_in_place(std::vector<Net::Blob>& blobs, const std::function<bool(int)>& in_place_ok,
                      const std::vector<std::string>& keep_blobs) {
  const std::set<std::string> keep(keep_blobs.begin(), keep_blobs.end());
  for (Net::Blob& blob : blobs) {
    if (blob.alias_of < 0) continue;
    const Net::Blob& bottom = blobs[static_cast<size_t>(blob.alias_of)];
    if (!in_place_ok(blob.producer) || bottom.consumers.size() != 1 || bottom.producer < 0 ||
        keep.count(bottom.name))
      blob.alias_of = -1;
  }
}

void Net::resolve_in_place() {
  svertka::resolve_in_place(
      blobs_,
      [&](int layer) { return layers_[static_cast<size_t>(layer)]->spec.op->supports_in_place(); },
      options_.keep_blobs);
}

void Net::fuse_relus() {
  if (options_.phase != Phase::kTest) return;
  for (auto& layer : layers_) {
    const std::optional<double> slope = layer->spec.op->relu_slope();
    if (!slope || layer->bottoms.size() != 1 || layer->tops.size() != 1) continue;
    // In place: nothing else reads (or keeps) the value before the ReLU (resolve_in_place).
    if (blobs_[static_cast<size_t>(layer->tops[0])].alias_of != layer->bottoms[0]) continue;
    const int producer = blobs_[static_cast<size_t>(layer->bottoms[0])].producer;
    if (producer < 0) continue;
    Layer& before = *layers_[static_cast<size_t>(producer)];
    if (before.fused || before.tops.size() != 1) continue;
    layer->fused = in_layer(name_, before.spec, backend(), "fusing the ReLU after it",
                            [&] { return before.kernel->fuse_relu(*slope); });
  }
}

// Which layers run backward (between a trainable parameter and a weighted loss), and which blob
// gradients they write or accumulate.
void Net::mark_backward() {
  for (auto& layer : layers_) {
    bool depends = false;
    for (int p : layer->param_indices) depends |= params_[static_cast<size_t>(p)].spec.lr_mult != 0;
    for (int b : layer->bottoms) depends |= blobs_[static_cast<size_t>(b)].depends_on_params;
    for (int t : layer->tops) blobs_[static_cast<size_t>(t)].depends_on_params = depends;
  }
  std::vector<bool> leads_to_loss(layers_.size(), false);
  for (size_t i = layers_.size(); i-- > 0;) {
    Layer& layer = *layers_[i];
    bool leads = layer.loss_weight != 0;
    for (int t : layer.tops)
      for (int c : blobs_[static_cast<size_t>(t)].consumers)
        leads |= leads_to_loss[static_cast<size_t>(c)];
    leads_to_loss[i] = leads;
    bool depends = false;
    for (int t : layer.tops) depends |= blobs_[static_cast<size_t>(t)].depends_on_params;
    layer.runs_backward =
        options_.phase == Phase::kTrain && leads && depends && layer.spec.op->has_backward();
  }
  for (size_t i = layers_.size(); i-- > 0;) {
    Layer& layer = *layers_[i];
    layer.writes_bottom_grad.assign(layer.bottoms.size(), false);
    layer.accumulates_bottom_grad.assign(layer.bottoms.size(), false);
    if (!layer.runs_backward) continue;
    for (size_t b = 0; b < layer.bottoms.size(); ++b) {
      Blob& bottom = blobs_[static_cast<size_t>(layer.bottoms[b])];
      if (!layer.spec.op->input_has_grad(static_cast<int>(b)) || !bottom.depends_on_params)
        continue;
      layer.writes_bottom_grad[b] = true;
      layer.accumulates_bottom_grad[b] = !bottom.grad_writers.empty();
      bottom.grad_writers.emplace_back(static_cast<int>(i), static_cast<int>(b));
    }
    if (layer.loss_weight == 0)
      for (int t : layer.tops) blobs_[static_cast<size_t>(t)].needs_grad = true;
  }
}

Tensor& Net::input(const std::string& name) {
  for (size_t v = 0; v < blobs_.size(); ++v) {
    Blob& blob = blobs_[v];
    if (blob.producer >= 0 || blob.name != name) continue;
    if (!memory_) return blob.data;
    Tensor& staged = staged_inputs_[static_cast<int>(v)];
    if (!staged.defined()) {
      staged = Tensor(blob.shape);
      device_->pin(staged);
    }
    return staged;
  }
  throw NotFoundError("net '" + name_ + "' has no input named '" + name + "'");
}

void Net::upload_inputs() {
  for (auto& [version, staged] : staged_inputs_)
    blobs_[static_cast<size_t>(version)].data.copy_from(staged);
}

float Net::first_element(const Tensor& tensor) const {
  if (tensor.on_host()) return tensor[0];
  float value = 0;
  tensor.memory()->copy_to_host(&value, tensor.data(), sizeof value);
  return value;
}

float Net::forward() {
  float loss = 0;
  for (int i = 0; i < num_layers(); ++i) {
    forward_layer(i);
    const Layer& layer = *layers_[static_cast<size_t>(i)];
    if (layer.loss_weight != 0)
      loss += layer.loss_weight * first_element(blobs_[static_cast<size_t>(layer.tops[0])].data);
  }
  return loss;
}

bool Net::layer_fused(int i) const {
  return layers_.at(static_cast<size_t>(i))->fused;
}

void Net::forward_layer(int i) {
  Layer& layer = *layers_.at(static_cast<size_t>(i));
  if (i == 0 && memory_) upload_inputs();
  if (layer.fused) return;
  layer.forward_args.step = step_;
  in_layer(name_, layer.spec, backend(), "forward",
           [&] { layer.kernel->forward(layer.forward_args); });
}

void Net::backward() {
  begin_backward();
  for (int i = num_layers(); i-- > 0;) backward_layer(i);
}

void Net::backward(const std::function<void(int)>& after_layer) {
  begin_backward();
  for (int i = num_layers(); i-- > 0;) {
    backward_layer(i);
    after_layer(i);
  }
}

const std::vector<int>& Net::layer_params(int i) const {
  return layers_.at(static_cast<size_t>(i))->param_indices;
}

void Net::begin_backward() {
  for (Blob& blob : blobs_)
    if (blob.needs_grad && blob.grad_writers.empty()) blob.grad.zero();
}

void Net::backward_layer(int i) {
  Layer& layer = *layers_.at(static_cast<size_t>(i));
  if (!layer.runs_backward) return;
  layer.backward_args.step = step_;
  in_layer(name_, layer.spec, backend(), "backward",
           [&] { layer.kernel->backward(layer.backward_args); });
  for (size_t b = 0; b < layer.bottoms.size(); ++b) {
    if (!layer.accumulates_bottom_grad[b]) continue;
    Tensor& sum = blobs_[static_cast<size_t>(layer.bottoms[b])].grad;
    const Tensor& part = *layer.backward_args.input_grads[b];
    device_->axpby(1, part, 1, sum);
  }
}

const LayerSpec& Net::layer_spec(int i) const {
  return layers_.at(static_cast<size_t>(i))->spec;
}

bool Net::layer_runs_backward(int i) const {
  return layers_.at(static_cast<size_t>(i))->runs_backward;
}

int Net::latest(const std::string& name) const {
  auto it = latest_version_.find(name);
  if (it == latest_version_.end())
    throw NotFoundError("net '" + name_ + "' has no blob '" + name + "'");
  return it->second;
}

// The blob's data (or gradient) in plain layout: itself, or a copy for a blocked one. NotFoundError
// when the memory planner has given its buffer to a later blob, naming that blob.
const Tensor& Net::plain(int version, bool gradient) const {
  const Blob& blob = blobs_[static_cast<size_t>(version)];
  const int reused_by = gradient ? blob.grad_reused_by : blob.data_reused_by;
  if (reused_by >= 0) {
    const std::string& later = blobs_[static_cast<size_t>(reused_by)].name;
    throw NotFoundError(
        "net '" + name_ + "' does not keep " + (gradient ? "the gradient of " : "") + "blob '" +
        blob.name + "': its buffer is reused for " + (gradient ? "the gradient of '" : "'") +
        later + (gradient ? "' later in backward" : "', which a later layer writes") +
        "; name it in NetOptions::keep_blobs to read it after " +
        (gradient ? "backward()" : "forward()"));
  }
  const Tensor& tensor = gradient ? blob.grad : blob.data;
  if (blob.layout == BlobLayout::kPlain && tensor.on_host()) return tensor;
  Tensor& copy = plain_copies_[{version, gradient}];
  if (blob.layout == BlobLayout::kChannelBlocked || blob.layout == BlobLayout::kChannelsLast) {
    device_->copy_to_plain(tensor, blob.layout, copy);
  } else if (blob.layout == BlobLayout::kU8ChannelsLast) {
    device_->dequantize_to_plain(tensor, blob.u8_scale, copy);
  } else {
    if (!copy.defined() || copy.shape() != tensor.shape()) copy = Tensor(tensor.shape());
    copy.copy_from(tensor);
  }
  return copy;
}

const Tensor& Net::blob(const std::string& name) const {
  return plain(latest(name), false);
}

bool Net::has_blob(const std::string& name) const {
  return latest_version_.count(name) > 0;
}

const Tensor& Net::blob_grad(const std::string& name) const {
  auto it = latest_version_.find(name);
  if (it == latest_version_.end() || !blobs_[static_cast<size_t>(it->second)].grad.defined())
    throw NotFoundError("net '" + name_ + "' computes no gradient for blob '" + name + "'");
  return plain(it->second, true);
}

BlobLayout Net::blob_layout(const std::string& name) const {
  return blobs_[static_cast<size_t>(latest(name))].layout;
}

Parameter& Net::param(const std::string& name) {
  for (Parameter& p : params_)
    if (p.name == name) return p;
  throw NotFoundError("net '" + name_ + "' has no parameter '" + name + "'");
}

int64_t Net::param_count() const {
  int64_t n = 0;
  for (const Parameter& p : params_) n += p.value.numel();
  return n;
}

void Net::share_params_from(const Net& other) {
  for (Parameter& p : params_) {
    const Parameter* match = nullptr;
    for (const Parameter& q : other.params_)
      if (q.name == p.name) match = &q;
    if (!match || match->value.shape() != p.value.shape())
      throw ShapeError("net '" + name_ + "': parameter '" + p.name + "' " + p.value.shape().str() +
                       (match ? " has shape " + match->value.shape().str() : " is missing") +
                       " in net '" + other.name_ + "'");
    p.value = match->value;  // kernels read through &p.value, so they now see the shared buffer
  }
}

void Net::init_params(uint64_t seed) {
  for (size_t k = 0; k < params_.size(); ++k) {
    Tensor& value = params_[k].value;
    Tensor host = value.on_host() ? value : Tensor(value.shape());
    fill(host, params_[k].spec.filler, seed + k);
    if (!value.on_host()) value.copy_from(host);
  }
}

std::vector<std::pair<std::string, float>> Net::losses() const {
  std::vector<std::pair<std::string, float>> out;
  for (const auto& layer : layers_)
    if (layer->loss_weight != 0) out.emplace_back(layer->spec.name, layer->loss_weight);
  return out;
}

}  // namespace svertka
