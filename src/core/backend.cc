#include "svertka/backend.h"

#include <map>
#include <mutex>

#include "svertka/blob_layout.h"
#include "svertka/error.h"

namespace svertka {

namespace {

// A function-local static: backends register from static initialisers of other files.
std::vector<const BackendEntry*>& entries() {
  static std::vector<const BackendEntry*> list;
  return list;
}

}  // namespace

bool register_backend(const BackendEntry& entry) {
  for (const BackendEntry* known : entries())
    if (known->backend == entry.backend)
      throw ParamError("backend " + std::string(backend_name(entry.backend)) +
                       " is registered twice");
  entries().push_back(&entry);
  return true;
}

const std::vector<const BackendEntry*>& registered_backends() {
  return entries();
}

const BackendEntry& backend_entry(Backend backend) {
  for (const BackendEntry* entry : entries())
    if (entry->backend == backend) return *entry;
  throw NotFoundError("backend " + std::string(backend_name(backend)) +
                      " is not linked into this program (link its component: svertka::dnnl for "
                      "cpu_dnnl)");
}

bool has_backend(Backend backend) {
  if (backend == Backend::kCpuRef) return true;
  for (const BackendEntry* entry : entries())
    if (entry->backend == backend) return true;
  return false;
}

std::shared_ptr<Device> open_device(Backend backend, const DeviceOptions& options) {
  if (backend != Backend::kCpuRef) return backend_entry(backend).open(options);
  if (options.precision != Precision::kF32)
    throw BackendError("the reference backend (cpu_ref) computes in fp32 only, not " +
                       std::string(precision_name(options.precision)));
  return std::make_shared<Device>(Backend::kCpuRef);
}

const std::shared_ptr<Device>& default_device(Backend backend, Precision precision) {
  static std::mutex mutex;
  static std::map<std::pair<Backend, Precision>, std::shared_ptr<Device>> devices;
  std::lock_guard lock(mutex);
  std::shared_ptr<Device>& device = devices[{backend, precision}];
  if (!device) device = open_device(backend, {.precision = precision});
  return device;
}

Device& host_device() {
  return *default_device(Backend::kCpuRef);
}

int channel_block(Backend backend) {
  return default_device(backend)->channel_block();
}

}  // namespace svertka
