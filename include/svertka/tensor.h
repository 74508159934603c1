// Tensor: a logical shape over one contiguous, 64-byte aligned buffer, row-major (NCHW for images).
//
// Copies are cheap and share the buffer, like a view; `clone()` makes a deep copy. The element type
// is a template parameter only so that reference kernels can run in double for gradient checks:
// everything else uses `Tensor` (fp32). `dtype()` names it.
//
// The buffer is in host memory unless the tensor was made with a backend's MemoryResource
// (memory.h). data() and operator[] are then for that backend's kernels only; copy_from(), clone()
// and zero() go through the resource, and to_host() makes a host copy.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "svertka/error.h"
#include "svertka/memory.h"
#include "svertka/shape.h"

namespace svertka {

inline constexpr size_t kTensorAlignment = 64;  // one cache line, one AVX-512 register

template <class T>
class BasicTensor {
 public:
  BasicTensor() = default;
  // Allocates numel(shape) elements, zero-filled (allocate_host, memory.h).
  explicit BasicTensor(Shape shape) : shape_(std::move(shape)) {
    const int64_t n = checked_count(shape_);
    storage_ = allocate(static_cast<size_t>(n), shape_);
    data_ = storage_.get();
    capacity_ = n;
  }
  // The same in `memory` (null: the host).
  BasicTensor(Shape shape, MemoryResource* memory) : BasicTensor() {
    if (!memory) {
      *this = BasicTensor(std::move(shape));
      return;
    }
    shape_ = std::move(shape);
    const int64_t n = checked_count(shape_);
    const size_t bytes = std::max<size_t>(static_cast<size_t>(n), 1) * sizeof(T);
    T* p = static_cast<T*>(memory->allocate(bytes));
    storage_ = std::shared_ptr<T>(p, [memory, bytes](T* q) { memory->deallocate(q, bytes); });
    data_ = p;
    capacity_ = n;
    memory_ = memory;
    memory->zero(p, bytes);
  }

  // Over host memory held by someone else (a read-only file mapping, say): numel(shape) elements,
  // 64-byte aligned, that `buffer` keeps alive. Not zeroed: the tensor holds what is there.
  BasicTensor(Shape shape, std::shared_ptr<T> buffer) : shape_(std::move(shape)) {
    capacity_ = checked_count(shape_);
    storage_ = std::move(buffer);
    data_ = storage_.get();
    if (reinterpret_cast<uintptr_t>(data_) % kTensorAlignment != 0)
      throw ParamError("a tensor's buffer must be " + std::to_string(kTensorAlignment) +
                       "-byte aligned");
  }

  static constexpr DType dtype() { return dtype_of<T>(); }
  MemoryResource* memory() const { return memory_; }  // null: host memory
  bool on_host() const { return memory_ == nullptr; }

  bool defined() const { return data_ != nullptr || shape_.rank() > 0; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return shape_.numel(); }
  size_t bytes() const { return static_cast<size_t>(numel()) * sizeof(T); }
  int64_t dim(int axis) const { return shape_[axis]; }
  int rank() const { return shape_.rank(); }

  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](int64_t i) { return data_[i]; }
  const T& operator[](int64_t i) const { return data_[i]; }

  // A view of the same buffer with another shape of the same element count.
  BasicTensor reshaped(Shape shape) const {
    if (shape.numel() != numel())
      throw ShapeError("cannot reshape tensor " + shape_.str() + " to " + shape.str() +
                       ": element counts differ");
    BasicTensor view = *this;
    view.shape_ = std::move(shape);
    return view;
  }

  // A view of the first shape.numel() elements of the buffer, which may be larger (planned memory).
  BasicTensor view(Shape shape) const {
    if (shape.numel() > capacity_)
      throw ShapeError("cannot view a buffer of " + std::to_string(capacity_) + " elements as " +
                       shape.str());
    BasicTensor v = *this;
    v.shape_ = std::move(shape);
    return v;
  }

  bool shares_buffer_with(const BasicTensor& other) const { return storage_ == other.storage_; }

  BasicTensor clone() const {
    BasicTensor copy(shape_, memory_);
    copy.copy_from(*this);
    return copy;
  }
  // A copy in host memory (the tensor itself when it is there already).
  BasicTensor to_host() const {
    if (on_host()) return *this;
    BasicTensor copy(shape_);
    copy.copy_from(*this);
    return copy;
  }
  // Between host memory and a backend's memory, either way, or within one of them. BackendError
  // between two different backends' memories.
  void copy_from(const BasicTensor& src) {
    if (src.numel() != numel())
      throw ShapeError("cannot copy tensor " + src.shape_.str() + " into " + shape_.str());
    if (numel() == 0 || src.data_ == data_) return;
    if (on_host() && src.on_host())
      std::memcpy(data_, src.data_, bytes());
    else if (src.on_host())
      memory_->copy_from_host(data_, src.data_, bytes());
    else if (on_host())
      src.memory_->copy_to_host(data_, src.data_, bytes());
    else if (memory_ == src.memory_)
      memory_->copy(data_, src.data_, bytes());
    else
      throw BackendError("cannot copy a tensor from " + std::string(src.memory_->name()) +
                         " memory to " + std::string(memory_->name()) + " memory");
  }
  void fill(T value) {  // host memory only
    for (int64_t i = 0, n = numel(); i < n; ++i) data_[i] = value;
  }
  void zero() {
    if (numel() == 0) return;
    if (on_host())
      std::memset(data_, 0, bytes());
    else
      memory_->zero(data_, bytes());
  }

 private:
  // numel(shape), checked to be non-negative and to fit a byte count.
  static int64_t checked_count(const Shape& shape) {
    const int64_t n = shape.numel();
    if (n < 0) throw ShapeError("tensor shape " + shape.str() + " has a negative dimension");
    if (static_cast<uint64_t>(n) > SIZE_MAX / sizeof(T))
      throw ResourceError("tensor shape " + shape.str() + " is too large to address");
    return n;
  }
  static std::shared_ptr<T> allocate(size_t n, const Shape& shape) {
    const size_t bytes = std::max<size_t>(n, 1) * sizeof(T);
    T* p = nullptr;
    try {
      p = static_cast<T*>(allocate_host(bytes));
    } catch (const std::bad_alloc&) {
      throw ResourceError("a tensor of shape " + shape.str() + " would need " +
                          byte_size(static_cast<int64_t>(std::min<size_t>(bytes, INT64_MAX))) +
                          ", more memory than can be allocated");
    }
    return std::shared_ptr<T>(p, [bytes](T* q) { deallocate_host(q, bytes); });
  }

  Shape shape_;
  std::shared_ptr<T> storage_;
  T* data_ = nullptr;
  int64_t capacity_ = 0;              // elements of the buffer from data_
  MemoryResource* memory_ = nullptr;  // null: host memory
};

using Tensor = BasicTensor<float>;

}  // namespace svertka
