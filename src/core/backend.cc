#include "svertka/backend.h"

#include <charconv>
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
                      "cpu_dnnl, svertka::cuda for cuda, which a build has when CMake found the "
                      "CUDA toolkit and cuDNN: SVERTKA_WITH_CUDA)");
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

DeviceName parse_device_name(std::string_view text) {
  const size_t colon = text.find(':');
  DeviceName name{.backend = parse_backend(text.substr(0, colon))};
  if (colon == std::string_view::npos) return name;
  const std::string_view digits = text.substr(colon + 1);
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), name.ordinal);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      name.ordinal < 0)
    throw ParamError("device '" + std::string(text) +
                     "': expected BACKEND or BACKEND:N with N a device number from 0 (cuda:1)");
  if (name.backend != Backend::kCuda)
    throw ParamError("device '" + std::string(text) + "': backend " +
                     std::string(backend_name(name.backend)) +
                     " has one device (write it without ':N')");
  return name;
}

std::shared_ptr<Device> open_device(const DeviceName& name, const DeviceOptions& options) {
  if (name.backend == Backend::kCpuRef) return open_device(name.backend, options);
  const BackendEntry& entry = backend_entry(name.backend);
  if (entry.open_ordinal) return entry.open_ordinal(name.ordinal, options);
  if (name.ordinal != 0)
    throw ParamError("backend " + std::string(backend_name(name.backend)) + " has no device " +
                     std::to_string(name.ordinal));
  return entry.open(options);
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
