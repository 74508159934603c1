#include "device_option.h"

#include "backend_plugin.h"
#include "option_checks.h"

namespace svertka::cli {

void add_device_option(CLI::App* cmd, std::string& device) {
  device = kDefaultDevice;
  cmd->add_option("--device,--backend", device,
                  "cpu_dnnl | cpu_ref | cuda | cuda:N (the GPU numbered N; docs/GPU.md)")
      ->capture_default_str()
      ->check(parses_with(parse_device_name, "DEVICE"))
      // While parsing, before the command makes its first net (backend_plugin.h).
      ->each([](const std::string& name) { load_backend_plugin(parse_device_name(name).backend); });
}

std::shared_ptr<Device> open_named_device(const std::string& name, Precision precision) {
  if (name.empty()) return default_device(Backend::kCpuDnnl, precision);  // made without the parser
  const DeviceName parsed = parse_device_name(name);
  load_backend_plugin(parsed.backend);
  if (parsed.backend != Backend::kCuda && parsed.ordinal == 0)
    return default_device(parsed.backend, precision);
  return open_device(parsed, {.precision = precision});
}

}  // namespace svertka::cli
