// Where a tensor's elements live and what they are. Host memory (the process's heap) is the
// default; a backend with memory of its own (a GPU's, or the separate memory of the test backend in
// tests/unit/device_memory_test.cc) gives its tensors a MemoryResource, and everything outside its
// kernels reaches that memory only through it: copies to and from the host at the edges (an input
// batch, reading a blob, loading and saving weights).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace svertka {

// The element types: fp32 everywhere, fp64 in the reference kernels' gradient checks; bf16 and
// int8 are the reduced precisions to come.
enum class DType { kF32, kF64, kBF16, kI8 };

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::kF32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::kF64;
}

std::string_view dtype_name(DType dtype);  // "f32", "f64", "bf16", "i8"

// Host memory for tensors, zero-filled and aligned to at least 64 bytes; std::bad_alloc when it
// cannot be had. Blocks of kLargeHostBlock bytes and more are mapped from the kernel on their own
// (already zero, so never written twice; returned to the system when freed, not kept in the
// allocator's arena) at a 2 MiB boundary and advised as transparent huge pages, so a 150 MB weight
// or activation buffer is faulted in by the hundred pages, not by the ten thousand.
inline constexpr size_t kLargeHostBlock = size_t{4} << 20;
void* allocate_host(size_t bytes);
void deallocate_host(void* pointer, size_t bytes) noexcept;

// This machine's memory, RAM and swap, in bytes: more than any process can hold. Linux grants
// allocations past what it has (overcommit) and kills the process when they are touched, so a
// size read from a file is checked against this before anything that large is allocated.
int64_t host_memory_bytes();

// A byte count for messages, in the largest decimal unit it reaches: "40.3 GB", "812.5 MB",
// "4.1 kB", "512 bytes".
std::string byte_size(int64_t bytes);

class MemoryResource {
 public:
  virtual ~MemoryResource() = default;
  virtual std::string_view name() const = 0;
  // `bytes` bytes aligned to at least 64; BackendError when they cannot be had.
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* pointer, size_t bytes) noexcept = 0;
  virtual void copy_to_host(void* host, const void* source, size_t bytes) const = 0;
  virtual void copy_from_host(void* destination, const void* host, size_t bytes) const = 0;
  // Within this memory.
  virtual void copy(void* destination, const void* source, size_t bytes) const = 0;
  virtual void zero(void* destination, size_t bytes) const = 0;
};

}  // namespace svertka
