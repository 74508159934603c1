// A device: one instance of a backend, the object that owns what its kernels run with (for oneDNN
// its engine, stream and scratch buffers; for a GPU its stream and library handles) and the memory
// its tensors live in (memory.h). A Net runs on one device (NetOptions::device): its kernels are
// made for that device, its blobs, parameters and gradients are allocated in the device's memory,
// and the few elementwise steps outside the kernels (summing a blob's gradients, averaging them
// over batches, the solver's update) are the device's methods. So neither the net nor the solver
// touches device memory; a new backend is a Device subclass and its kernel files.
//
// The base class is the host: every method works on host memory. A device serves one thread at a
// time; programs that run nets on several threads at once open a device per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "svertka/op.h"
#include "svertka/precision.h"
#include "svertka/tensor.h"

namespace svertka {

struct SgdUpdate;  // solver/sgd.h

class Device {
 public:
  explicit Device(Backend backend, Precision precision = Precision::kF32)
      : backend_(backend), precision_(precision) {}
  virtual ~Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  Backend backend() const { return backend_; }
  // What its convolution and inner-product kernels compute in (precision.h); fixed when opened.
  Precision precision() const { return precision_; }
  // Where its tensors live; null: the host's heap. A device with memory of its own gets no
  // reference-kernel fallback for the ops its backend lacks (they would read its memory).
  virtual MemoryResource* memory() const { return nullptr; }
  // What it runs on, for a benchmark's head line: "oneDNN ISA avx2".
  virtual std::string describe() const;

  // The block of BlobLayout::kChannelBlocked on this device (blob_layout.h); 0: every blob stays
  // plain.
  virtual int channel_block() const { return 0; }
  // `held` (4-D, kChannelBlocked or kChannelsLast: `layout`) into `plain`, a host tensor,
  // allocated with the same shape if needed.
  virtual void copy_to_plain(const Tensor& held, BlobLayout layout, Tensor& plain);
  // `codes` (4-D, kU8ChannelsLast) times `scale` into `plain`, likewise.
  virtual void dequantize_to_plain(const Tensor& codes, float scale, Tensor& plain);

  // y = a*x + b*y, elementwise, over tensors in this device's memory; b == 0 overwrites y whatever
  // it held. The net sums gradients with it, the solver averages batches (iter_size).
  virtual void axpby(float a, const Tensor& x, float b, Tensor& y);
  // Waits for the work queued on the device (a GPU's stream), for timing; the host's devices
  // finish their work within each call.
  virtual void synchronize() {}
  // Page-locks the buffer of `host`, a host tensor, so that copies of it into this device's
  // memory go at the bus's full rate (a net's input staging buffers: a GPU copies an AlexNet batch
  // of 256 four times as fast from it). Best effort: where it cannot, copies stay as they were.
  // unpin() must come before the buffer is freed. The host's devices do nothing.
  virtual void pin(const Tensor& /*host*/) {}
  virtual void unpin(const Tensor& /*host*/) noexcept {}

  // The solver's step on one parameter, every solver type (solver/sgd.h); `history2` only for
  // those with two history buffers.
  virtual void sgd_update(const SgdUpdate& update, Tensor& value, const Tensor& grad,
                          Tensor& history, Tensor& history2);

 private:
  Backend backend_;
  Precision precision_;
};

// How to open a device.
struct DeviceOptions {
  Precision precision = Precision::kF32;
};

// A new device of `backend`, with its own engine, stream and scratch; NotFoundError naming the
// component to link when `backend` is not in this program; BackendError when it cannot compute in
// the precision asked for (the reference backend is fp32 only; oneDNN's bf16 kernels need AVX-512).
std::shared_ptr<Device> open_device(Backend backend, const DeviceOptions& options = {});

// A device named as on the command line: a backend, and for a backend of several devices (a GPU's)
// which one, counted from 0: "cpu_dnnl", "cpu_ref", "cuda" (= "cuda:0"), "cuda:1".
struct DeviceName {
  Backend backend = Backend::kCpuDnnl;
  int ordinal = 0;
};
// NotFoundError for an unknown backend, ParamError for a malformed ordinal or one given to a
// backend of one device.
DeviceName parse_device_name(std::string_view text);
// A new device of that name: open_device(backend) for ordinal 0 of a one-device backend, else the
// backend's own opener (BackendEntry::open_ordinal). NotFoundError when the backend is not in this
// program; BackendError from the backend when the device cannot be opened ("no CUDA device: ...")
// or cannot compute in the options' precision.
std::shared_ptr<Device> open_device(const DeviceName& name, const DeviceOptions& options = {});

// The device a Net of `backend` uses when NetOptions::device is null: one per backend, precision
// and process, opened on first use, so that the nets of one program (a trainer's TRAIN and TEST
// nets) share their scratch.
const std::shared_ptr<Device>& default_device(Backend backend,
                                              Precision precision = Precision::kF32);

// The reference backend's device: host memory.
Device& host_device();

}  // namespace svertka
