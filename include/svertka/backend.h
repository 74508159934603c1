// The backends beyond the reference kernels, which the core always has. A backend lives in its own
// component (svertka::dnnl for cpu_dnnl) and makes itself known before main(): its
// src/backends/<backend>/backend.cc registers a BackendEntry from a static initialiser, and CMake
// links that file whole into every program that links the component. The entry lists the
// backend's kernel files and opens its devices (device.h): the objects that hold its engine,
// stream and memory, which the net and its kernels run on.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "svertka/device.h"
#include "svertka/op.h"

namespace svertka {

class KernelRegistry;

// One kernel file of a backend: the op it serves and its registration function.
struct KernelFile {
  std::string_view op_type;
  void (*registration)(KernelRegistry& registry);
};

struct BackendEntry {
  Backend backend;
  std::vector<KernelFile> (*kernel_files)();
  // A new device of this backend (open_device, device.h); BackendError when it cannot compute in
  // the options' precision.
  std::shared_ptr<Device> (*open)(const DeviceOptions& options);
  // For a backend of several devices (GPUs): a new device on the one numbered `ordinal` (from 0);
  // null for a backend of one device.
  std::shared_ptr<Device> (*open_ordinal)(int ordinal, const DeviceOptions& options) = nullptr;
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

}  // namespace svertka
