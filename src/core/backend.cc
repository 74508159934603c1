#include "svertka/backend.h"

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

MemoryResource* backend_memory(Backend backend) {
  return backend == Backend::kCpuRef ? nullptr : backend_entry(backend).memory;
}

int channel_block(Backend backend) {
  return backend == Backend::kCpuRef ? 0 : backend_entry(backend).channel_block();
}

}  // namespace svertka
