// Backends the command line loads as plugins (shared modules) when a device of theirs is asked
// for, rather than linking them: the CUDA backend links cuBLAS, whose start-up alone takes ~0.4 s
// and ~200 MiB of memory in every process, a GPU or not (docs/BENCHMARKS.md, "Prediction latency").
// The executable exports its symbols, so the plugin registers its backend (backend.h) into the
// program's own registries when it is loaded.
#pragma once

#include <string>

#include "svertka/backend.h"

namespace svertka::cli {

// Where the cuda backend's plugin is (main.cc sets it, next to the executable, in builds that
// have one); empty: none (the Python module, a build without CUDA).
void set_cuda_plugin(std::string path);

// Loads the plugin of `backend` if it is not registered yet and the program has one. NotFoundError
// naming the file and the loader's reason when it cannot be loaded. Call before any net is made:
// kernels are listed once, at the first use of the kernel registry.
void load_backend_plugin(Backend backend);

}  // namespace svertka::cli
