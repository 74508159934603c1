#include "backends/cuda/block_pool.h"

#include <algorithm>
#include <string>

#include "svertka/error.h"

namespace svertka::cuda {

BlockPool::BlockPool(RawAllocate raw_allocate, RawFree raw_free)
    : raw_allocate_(std::move(raw_allocate)), raw_free_(std::move(raw_free)) {}

BlockPool::~BlockPool() {
  for (const auto& [block, size] : block_sizes_) raw_free_(block);
}

size_t BlockPool::rounded(size_t bytes) {
  constexpr size_t kSmall = 512, kLarge = size_t(128) << 10, kLargeFrom = size_t(1) << 20;
  bytes = std::max<size_t>(bytes, 1);
  const size_t unit = bytes > kLargeFrom ? kLarge : kSmall;
  return (bytes + unit - 1) / unit * unit;
}

void* BlockPool::take_cached(size_t size) {
  const auto it = cached_.lower_bound(size);
  if (it == cached_.end() || it->first > size + size / 4) return nullptr;
  void* block = it->second;
  cached_.erase(it);
  return block;
}

void* BlockPool::allocate(size_t bytes) {
  const size_t size = rounded(bytes);
  std::lock_guard lock(mutex_);
  void* block = take_cached(size);
  if (!block) {
    block = raw_allocate_(size);
    if (!block) {  // the driver is out of memory: give back what is cached, then try once more
      release_cached_locked();
      block = raw_allocate_(size);
    }
    if (!block)
      throw ResourceError("CUDA device memory exhausted: " + std::to_string(size) +
                          " bytes wanted, " + std::to_string(stats_.in_use_bytes) +
                          " bytes in use by this device's tensors");
    block_sizes_[block] = size;
    stats_.reserved_bytes += size;
    ++stats_.driver_allocations;
  }
  in_use_[block] = true;
  stats_.in_use_bytes += block_sizes_.at(block);
  stats_.peak_in_use_bytes = std::max(stats_.peak_in_use_bytes, stats_.in_use_bytes);
  stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  return block;
}

void BlockPool::deallocate(void* block) noexcept {
  std::lock_guard lock(mutex_);
  const auto used = in_use_.find(block);
  if (used == in_use_.end() || !used->second) return;
  used->second = false;
  const size_t size = block_sizes_.at(block);
  stats_.in_use_bytes -= size;
  cached_.emplace(size, block);
}

void BlockPool::release_cached() {
  std::lock_guard lock(mutex_);
  release_cached_locked();
}

void BlockPool::release_cached_locked() {
  for (const auto& [size, block] : cached_) {
    raw_free_(block);
    block_sizes_.erase(block);
    in_use_.erase(block);
    stats_.reserved_bytes -= size;
  }
  cached_.clear();
}

PoolStatistics BlockPool::statistics() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void BlockPool::reset_peaks() {
  std::lock_guard lock(mutex_);
  stats_.peak_in_use_bytes = stats_.in_use_bytes;
  stats_.peak_reserved_bytes = stats_.reserved_bytes;
}

}  // namespace svertka::cuda
