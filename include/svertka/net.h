// Net: a NetSpec compiled for one phase and backend — blobs allocated, kernels made, memory
// planned.
//
// Layers run in spec order (each bottom must come from an input or an earlier layer, as in Caffe;
// shapes come from infer_shapes(), whose errors the constructor throws).
// A layer whose top names its bottom runs in place when its op allows it and nothing else reads the
// bottom. A blob read by several layers receives the sum of their gradients. Only layers between a
// learnable parameter and a weighted loss run backward.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "svertka/device.h"
#include "svertka/net_spec.h"

namespace svertka {

struct LayerShapes;  // infer_shapes.h

struct Parameter {
  std::string name;  // "<layer>.<param>", e.g. "conv1.weight"
  Tensor value, grad;
  // A state parameter (Op::param_is_state: BatchNorm's running statistics) always has
  // lr_mult = decay_mult = 0: the solver leaves it to the forward pass.
  ParamSpec spec;
};

struct NetOptions {
  Phase phase = Phase::kTrain;
  Backend backend = Backend::kCpuDnnl;
  // What convolutions and inner products compute in (precision.h).
  Precision precision = Precision::kF32;
  // The device to run on (device.h); null: default_device(backend, precision). When set, it
  // decides the backend and the precision.
  std::shared_ptr<Device> device;
  // Blobs no longer needed share buffers (activations in TEST, gradients in TRAIN); the blobs
  // named here keep their own, so blob() and blob_grad() stay readable after forward/backward.
  std::vector<std::string> keep_blobs;
  // Parameter values to use as they are, by name ("conv1.weight"): one of the parameter's shape in
  // the net's memory is shared, not copied (a loaded model's weights held once); the others are
  // allocated as usual. The net keeps no other reference to this map.
  std::map<std::string, Tensor> shared_params;
  // The most host memory the net may hold (parameters, their gradients, activations), checked
  // before its buffers are allocated: a net past it (shapes from a hostile or mistaken file) is a
  // ResourceError saying how much it would need. 0: host_memory_bytes() (memory.h). A device's
  // own memory is not counted here: its allocator fails cleanly.
  int64_t max_bytes = 0;
  // A TEST net of a quantized model passes u8 codes between its int8 layers where they allow it
  // (BlobLayout::kU8ChannelsLast) and keeps fp32 NHWC around them (kChannelsLast); false keeps
  // the layouts of an fp32 net, to compare.
  bool int8_layouts = true;
};

// The memory a TEST net of a spec would hold, from shapes alone: nothing is allocated and no kernel
// is made, so a VGG-16 at 512 px costs nothing to plan.
struct NetMemoryPlan {
  int64_t param_bytes = 0;       // parameters (a TEST net has no gradients)
  int64_t activation_bytes = 0;  // Net::activation_bytes() of the compiled net: inputs included
  // A backend's working memory beside the plan, estimated from above: one buffer as large as the
  // largest parameter (a weight converted to a kernel's layout) and one as the largest blob (an
  // activation converted at a layout edge).
  int64_t scratch_bytes = 0;
  int64_t total_bytes() const { return param_bytes + activation_bytes + scratch_bytes; }
};

// The plan of Net(spec, {.phase = kTest, .keep_blobs = keep_blobs}), with infer_shapes() and its
// errors. Inputs, in-place layers and the sharing of activation buffers by liveness are decided as
// the Net decides them, so activation_bytes equals the compiled net's (tested).
NetMemoryPlan plan_test_memory(const NetSpec& spec,
                               const std::vector<std::string>& keep_blobs = {});

// One row of `svertka summary`.
struct LayerInfo {
  std::string name, type;
  std::vector<Shape> output_shapes;
  int64_t params = 0;
  int64_t macs = 0;
};

// Shapes, parameter counts and multiply-adds of every layer active in `phase`, inferred without
// allocating anything (a VGG-16 summary costs no memory), with infer_shapes() and its errors.
std::vector<LayerInfo> describe_layers(const NetSpec& spec, Phase phase);

// A kernel that fails (oneDNN refusing to create or run a primitive, memory running out) throws
// BackendError naming the net, the layer, its op type and the backend, from the constructor,
// forward() or backward().
class Net {
 public:
  Net(const NetSpec& spec, const NetOptions& options = {});
  ~Net();
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

  // The buffer of an input blob, to be filled before forward(): in host memory always (for a
  // backend with memory of its own, a staging buffer that forward() copies in, page-locked by
  // the device where it can: fill it, never assign another tensor to the reference).
  Tensor& input(const std::string& name);
  // Runs every layer; returns the weighted sum of the losses (0 if the net has none).
  float forward();
  // Computes parameter gradients (overwritten) for the last forward().
  void backward();
  // The same, calling after_layer(i) after each layer i in reverse order (layers that do not run
  // backward included), once the gradients of layer_params(i) are final: a data-parallel trainer
  // starts averaging them there while the layers below still run.
  void backward(const std::function<void(int layer)>& after_layer);

  // One layer at a time, for per-layer timing (`svertka bench`): forward() is forward_layer(i) for
  // every i in order; backward() zeroes unwritten gradients (begin_backward) then runs
  // backward_layer(i) in reverse.
  int num_layers() const { return static_cast<int>(layers_.size()); }
  const LayerSpec& layer_spec(int i) const;
  bool layer_runs_backward(int i) const;
  // Whether layer i (an in-place ReLU of a TEST net) is done by the kernel of the layer that
  // produces its input (Kernel::fuse_relu): forward_layer(i) then does nothing.
  bool layer_fused(int i) const;
  void forward_layer(int i);
  void begin_backward();
  void backward_layer(int i);
  // Indices into params() of layer i's parameters.
  const std::vector<int>& layer_params(int i) const;

  // The current value of a blob (after in-place layers, the last version of that name), plain.
  // A blob the net keeps channel-blocked is converted into a copy at the call, so read it again
  // after the next forward rather than keep the reference. In TEST, a blob whose buffer a later
  // blob reuses throws NotFoundError (name it in NetOptions::keep_blobs); outputs, which no layer
  // reads, and every blob of a TRAIN net are always readable.
  const Tensor& blob(const std::string& name) const;
  bool has_blob(const std::string& name) const;
  // The gradient of a blob from the last backward(); NotFoundError if it has none, or if its buffer
  // was reused later in backward (only blobs named in NetOptions::keep_blobs surely keep theirs).
  const Tensor& blob_grad(const std::string& name) const;
  // The layout the net keeps a blob (and its gradient) in between layers; see blob_layout.h.
  BlobLayout blob_layout(const std::string& name) const;

  std::vector<Parameter>& params() { return params_; }
  const std::vector<Parameter>& params() const { return params_; }
  Parameter& param(const std::string& name);
  int64_t param_count() const;
  // Makes this net use `other`'s parameter buffers (a TEST net evaluating a TRAIN net's weights).
  // Names and shapes must match for every parameter of this net.
  void share_params_from(const Net& other);
  // Fills every parameter with its filler; parameter k draws from seed + k.
  void init_params(uint64_t seed);

  // Iteration counter passed to kernels (seeds dropout masks).
  void set_step(uint64_t step) { step_ = step; }
  Phase phase() const { return options_.phase; }
  Device& device() const { return *device_; }
  const std::shared_ptr<Device>& shared_device() const { return device_; }
  Backend backend() const { return device_->backend(); }
  const std::string& name() const { return name_; }

  const std::vector<LayerInfo>& layer_infos() const { return layer_infos_; }
  // Bytes of activation and activation-gradient buffers after memory planning.
  int64_t activation_bytes() const { return activation_bytes_; }
  // The same without any buffer sharing, for comparison.
  int64_t unplanned_activation_bytes() const { return unplanned_activation_bytes_; }
  // Loss layers' names and their weights.
  std::vector<std::pair<std::string, float>> losses() const;

  struct Layer;
  struct Blob;

 private:
  void compile(const NetSpec& spec);
  void compile_layer(const LayerSpec& layer, const LayerShapes& shapes);
  void add_params(Layer& layer, const std::vector<Shape>& bottom_shapes);
  void add_tops(Layer& layer, const std::vector<Shape>& top_shapes, const std::string& where);
  void resolve_in_place();
  void mark_backward();
  // In a TEST net, hands each in-place ReLU to the kernel of the layer before it where that
  // kernel can apply it (Kernel::fuse_relu).
  void fuse_relus();
  // In a TEST net of a quantized model, the blobs that carry u8 codes from one int8 layer to the
  // next (BlobLayout::kU8ChannelsLast); before choose_layouts, which leaves them as they are.
  void choose_u8_blobs();
  // A set of versions holding u8 codes of one step, and their producers (net_layout.cc).
  struct U8Plan;
  bool plan_u8(int version, U8Plan& plan) const;
  // In a TEST net, the fp32 blobs kept NHWC (BlobLayout::kChannelsLast); after choose_u8_blobs.
  void choose_channels_last();
  void choose_layouts();
  void plan_memory();
  // Binds every kernel's arguments to the planned buffers; returns the elements of the gradient
  // accumulation scratch it allocates.
  int64_t bind_kernel_args();
  // Counts `bytes` of host memory against options_.max_bytes before they are allocated;
  // ResourceError past it, saying what (`what`) brought the net there.
  void reserve_host(int64_t bytes, const std::string& what);
  int latest(const std::string& name) const;  // index into blobs_; NotFoundError if unknown
  const Tensor& plain(int version, bool gradient) const;
  void upload_inputs();                             // staged host inputs into the backend's memory
  float first_element(const Tensor& tensor) const;  // a loss, read back to the host

  std::string name_;
  NetOptions options_;
  std::shared_ptr<Device> device_;
  MemoryResource* memory_ = nullptr;     // the device's memory; null: host memory
  std::map<int, Tensor> staged_inputs_;  // input blob -> its host buffer, when memory_ is set
  uint64_t step_ = 0;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Blob> blobs_;                    // every version of every name
  std::map<std::string, int> latest_version_;  // name -> index into blobs_
  std::vector<Parameter> params_;
  std::vector<LayerInfo> layer_infos_;
  std::vector<Tensor> accumulation_scratch_;  // per bottom position
  int64_t activation_bytes_ = 0, unplanned_activation_bytes_ = 0;
  int64_t reserved_host_bytes_ = 0;                              // by reserve_host
  mutable std::map<std::pair<int, bool>, Tensor> plain_copies_;  // (blob, gradient?) -> copy
};

}  // namespace svertka
