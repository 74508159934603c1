// The backends beyond the reference kernels, which the core always has. A backend lives in its own
// component (svertka::dnnl for cpu_dnnl) and makes itself known before main(): its
// src/backends/<backend>/backend.cc registers a BackendEntry from a static initialiser, and CMake
// links that file whole into every program that links the component. The kernel registry and the
// net ask the entry for the backend's kernels, its memory, its blocked layout and how to read a
// blocked blob; the net allocates every blob, parameter and gradient in the backend's memory and
// copies to and from the host only at the edges (memory.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "svertka/op.h"
#include "svertka/tensor.h"

namespace svertka {

class KernelRegistry;
struct SgdUpdate;

// One kernel file of a backend: the op it serves and its registration function.
struct KernelFile {
  std::string_view op_type;
  void (*registration)(KernelRegistry& registry);
};

struct BackendEntry {
  Backend backend;
  std::vector<KernelFile> (*kernel_files)();
  // Where the backend's tensors live; null: host memory. A backend with memory of its own gets no
  // reference-kernel fallback for the ops it lacks (they would read its memory from the host).
  MemoryResource* memory = nullptr;
  // sum += part, elementwise (a blob read by two layers gets the sum of their gradients); null: a
  // host loop, for host memory.
  void (*accumulate)(Tensor& sum, const Tensor& part) = nullptr;
  // The solver's step on a parameter in the backend's memory (solver/sgd.h); null for host memory.
  void (*sgd_update)(const SgdUpdate& update, Tensor& value, const Tensor& grad,
                     Tensor& momentum) = nullptr;
  // kChannelBlocked's block on this processor (blob_layout.h); 0: every blob stays plain.
  int (*channel_block)();
  // `blocked` (4-D, kChannelBlocked) into `plain`, a host tensor, allocated with the same shape if
  // needed.
  void (*copy_to_plain)(const Tensor& blocked, Tensor& plain);
  // What the backend runs on, for a benchmark's head line: "oneDNN ISA avx2".
  std::string (*describe)();
};

// Makes `entry` known; true, so that a static initialiser can call it. Registering one backend
// twice throws ParamError.
bool register_backend(const BackendEntry& entry);

// The entries registered, in registration order.
const std::vector<const BackendEntry*>& registered_backends();

// The entry of `backend`; NotFoundError naming the component to link when it is not in this
// program. Not for Backend::kCpuRef, which is the core's own.
const BackendEntry& backend_entry(Backend backend);

// Whether the program can run `backend` (the reference always).
bool has_backend(Backend backend);

// The memory `backend` allocates its tensors in; null for host memory.
MemoryResource* backend_memory(Backend backend);

}  // namespace svertka
