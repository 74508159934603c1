// BlockPool: the CUDA backend's caching allocator. Device memory comes from the driver in blocks
// (cudaMalloc is slow and synchronises the device); a freed block is kept, keyed by its size, and
// handed out again for a request of about that size. A training loop's buffers are all made before
// its first step (the net plans its memory, kernels keep their own), so after the first iteration
// nothing reaches the driver: tools/gpu_check reports `driver_allocations` per step to prove it.
//
// The pool knows nothing of CUDA: it is given the functions that get and return raw blocks, so
// its bookkeeping is tested on the host (tests/cuda/cuda_backend_test.cc). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

namespace svertka::cuda {

struct PoolStatistics {
  size_t in_use_bytes = 0;     // handed out and not yet returned (rounded sizes)
  size_t reserved_bytes = 0;   // held from the driver: in use + cached
  size_t peak_in_use_bytes = 0;
  size_t peak_reserved_bytes = 0;
  int64_t driver_allocations = 0;  // raw blocks ever obtained
};

class BlockPool {
 public:
  // `raw_allocate(bytes)` returns a block or null when memory is exhausted; `raw_free` returns one.
  using RawAllocate = std::function<void*(size_t bytes)>;
  using RawFree = std::function<void(void* block)>;
  BlockPool(RawAllocate raw_allocate, RawFree raw_free);
  ~BlockPool();  // returns every block, cached or not, to the driver
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  // A block of at least `bytes` (0 is served as 1), aligned as the driver aligns (256 on CUDA).
  // A cached block is reused when it is no more than a quarter larger than the rounded request;
  // when the driver has no memory left the cache is returned to it and the request retried once.
  // ResourceError when even then there is none.
  void* allocate(size_t bytes);
  // Returns `block` (from allocate) to the cache; unknown pointers are ignored.
  void deallocate(void* block) noexcept;
  // Gives every cached block back to the driver.
  void release_cached();
  PoolStatistics statistics() const;
  // Resets the peaks to the current values (to measure one phase of a program).
  void reset_peaks();

  // Requests are rounded to 512 bytes, and above 1 MiB to 128 KiB, so that buffers of nearly the
  // same size share cached blocks.
  static size_t rounded(size_t bytes);

 private:
  void* take_cached(size_t size);  // null if no cached block fits; mutex held
  void release_cached_locked();    // mutex held

  RawAllocate raw_allocate_;
  RawFree raw_free_;
  mutable std::mutex mutex_;
  std::multimap<size_t, void*> cached_;            // size -> free block
  std::unordered_map<void*, size_t> block_sizes_;  // every block held, with its size
  std::unordered_map<void*, bool> in_use_;
  PoolStatistics stats_;
};

}  // namespace svertka::cuda
