// --device (alias --backend): the device a subcommand runs its nets on (svertka/device.h):
// cpu_dnnl (the default), cpu_ref, cuda (= cuda:0) or cuda:N. A name is checked where the option
// is parsed; a device that cannot be opened (no GPU, a build without the CUDA backend) is a clear
// error when the command opens it: "no CUDA device: ...".
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "svertka/device.h"

namespace svertka::cli {

inline constexpr const char* kDefaultDevice = "cpu_dnnl";

void add_device_option(CLI::App* cmd, std::string& device);

// The device `name` names, computing in `precision`, newly opened; the library's shared default
// device for a CPU backend and for an empty name, so that programs that never ask for a device
// behave as before.
std::shared_ptr<Device> open_named_device(const std::string& name,
                                          Precision precision = Precision::kF32);

}  // namespace svertka::cli
