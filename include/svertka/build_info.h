// What this binary was built for and what it runs on, so that every speed figure can name them.
#pragma once

#include <string>

namespace svertka {

// "portable x86-64" (the default: runs on every x86-64 processor), or "native (-march=native)"
// for a build with SVERTKA_NATIVE=ON, which runs only on processors like the one it was built on.
std::string build_target();

// The processor's model name (/proc/cpuinfo), or "unknown".
std::string cpu_model();

// One line for the head of a benchmark's output: the processor, what each backend linked into the
// program runs on ("oneDNN ISA avx2", backend.h) and the build target.
std::string machine_summary();

}  // namespace svertka
