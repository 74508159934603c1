#include "svertka/memory.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include <cstdint>
#include <cstring>
#include <new>

namespace svertka {
namespace {

constexpr size_t kSmallAlignment = 64;         // one cache line, one AVX-512 register
constexpr size_t kHugePage = size_t{2} << 20;  // x86-64's transparent huge page
constexpr size_t kPage = 4096;

size_t round_up(size_t bytes, size_t multiple) {
  return (bytes + multiple - 1) / multiple * multiple;
}

// A private anonymous mapping of `bytes` (rounded to pages) starting at a huge-page boundary: one
// huge page more is mapped and the ends cut off. The kernel fills it with zeros on first touch.
void* map_large(size_t bytes) {
  const size_t length = round_up(bytes, kPage), mapped = length + kHugePage;
  void* raw = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto begin = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = round_up(begin, kHugePage);
  if (aligned > begin) ::munmap(raw, aligned - begin);
  if (const uintptr_t end = aligned + length; end < begin + mapped)
    ::munmap(reinterpret_cast<void*>(end), begin + mapped - end);
  // Only advice: where the kernel has no huge page at hand (or THP is off) it uses small ones.
  ::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

}  // namespace

void* allocate_host(size_t bytes) {
  if (bytes >= kLargeHostBlock) return map_large(bytes);
  void* p = ::operator new[](bytes, std::align_val_t(kSmallAlignment));
  std::memset(p, 0, bytes);
  return p;
}

void deallocate_host(void* pointer, size_t bytes) noexcept {
  if (bytes >= kLargeHostBlock)
    ::munmap(pointer, round_up(bytes, kPage));
  else
    ::operator delete[](pointer, std::align_val_t(kSmallAlignment));
}

int64_t host_memory_bytes() {
  struct sysinfo info {};
  if (::sysinfo(&info) != 0) return INT64_MAX;
  return static_cast<int64_t>((uint64_t(info.totalram) + info.totalswap) * info.mem_unit);
}

std::string byte_size(int64_t bytes) {
  struct Unit {
    double size;
    const char* name;
  };
  for (const Unit unit : {Unit{1e9, "GB"}, Unit{1e6, "MB"}, Unit{1e3, "kB"}})
    if (double(bytes) >= unit.size)
      return fmt::format("{:.1f} {}", double(bytes) / unit.size, unit.name);
  return fmt::format("{} bytes", bytes);
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "f32";
    case DType::kF64:
      return "f64";
    case DType::kBF16:
      return "bf16";
    case DType::kI8:
      return "i8";
  }
  return "unknown";
}

}  // namespace svertka
