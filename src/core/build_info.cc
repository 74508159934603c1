#include "svertka/build_info.h"

#include <fstream>

#include "svertka/backend.h"

namespace svertka {

std::string build_target() {
#ifdef SVERTKA_NATIVE_BUILD
  return "native (-march=native)";
#else
  return "portable x86-64";
#endif
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
  }
  return "unknown";
}

std::string machine_summary() {
  std::string summary = cpu_model();
  // Backends of one device, each described by its default device. A GPU backend is left out:
  // which GPU a run uses is the run's choice (the bench prints its device), and opening one here
  // would fail on a machine without a GPU.
  for (const BackendEntry* backend : registered_backends())
    if (!backend->open_ordinal) summary += "; " + default_device(backend->backend)->describe();
  return summary + "; svertka built " + build_target();
}

}  // namespace svertka
