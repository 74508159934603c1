// What this binary was built for and what it runs on, so that every speed figure can name them.
#pragma once

#include <string>

namespace svertka {

// "portable x86-64" (the default: runs on every x86-64 processor), or "native (-march=native)"
// for a build with SVERTKA_NATIVE=ON, which runs only on processors like the one it was built on.
std::string build_target();

// The processor's model name (/proc/cpuinfo), or "unknown".
std::string cpu_model();

// The instruction set oneDNN's kernels use on this processor ("avx512_core_amx", "avx2", ...): it
// chooses them at run time, whatever the build target.
std::string dnnl_cpu_isa();

// One line with all three, for the head of a benchmark's output.
std::string machine_summary();

}  // namespace svertka
