#include "svertka/blob_layout.h"

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/op.h"

namespace svertka {

int channel_block(Backend backend) {
  return backend == Backend::kCpuDnnl ? cpu_dnnl::native_channel_block() : 0;
}

void copy_to_plain(const Tensor& blocked, Tensor& plain) {
  if (!plain.defined() || plain.shape() != blocked.shape()) plain = Tensor(blocked.shape());
  auto from =
      cpu_dnnl::unbound_memory(cpu_dnnl::blob_desc(blocked.shape(), BlobLayout::kChannelBlocked));
  auto to = cpu_dnnl::unbound_memory(cpu_dnnl::plain_desc(plain.shape()));
  cpu_dnnl::bind(from, blocked);
  cpu_dnnl::bind(to, plain);
  cpu_dnnl::execute(dnnl::reorder(from, to), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

}  // namespace svertka
