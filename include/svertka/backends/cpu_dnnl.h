// What the cpu_dnnl backend (svertka::dnnl, oneDNN) tells about itself beyond its entry (backend.h).
#pragma once

#include <string>

namespace svertka {

// The instruction set oneDNN's kernels use on this processor ("avx512_core_amx", "avx2", ...): it
// chooses them at run time, whatever the build target.
std::string dnnl_cpu_isa();

}  // namespace svertka
