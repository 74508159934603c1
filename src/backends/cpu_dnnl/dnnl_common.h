// Shared oneDNN plumbing: the CPU engine and stream, plain-layout memory descriptors, and
// wrapping a Tensor's buffer as a dnnl::memory without copying.
#pragma once

#include <dnnl.hpp>
#include <unordered_map>

#include "svertka/tensor.h"

namespace svertka::cpu_dnnl {

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;

dnnl::engine& engine();
dnnl::stream& stream();

// A plain row-major f32 descriptor for these dims (nchw for 4-D, nc for 2-D, x for 1-D, ...).
dnnl::memory::desc plain_desc(const dims& d);
dnnl::memory::desc plain_desc(const Shape& shape);

// A memory object over desc with no buffer yet; bind() points it at a tensor before each execute.
dnnl::memory unbound_memory(const dnnl::memory::desc& desc);
inline void bind(dnnl::memory& memory, const Tensor& tensor) {
  memory.set_data_handle(const_cast<float*>(tensor.data()));
}

// Runs `primitive` with `arguments` on the shared stream and waits for it.
void execute(const dnnl::primitive& primitive,
             const std::unordered_map<int, dnnl::memory>& arguments);

}  // namespace svertka::cpu_dnnl
