#include "backends/cpu_dnnl/dnnl_common.h"

namespace svertka::cpu_dnnl {

dnnl::engine& engine() {
  static dnnl::engine cpu_engine(dnnl::engine::kind::cpu, 0);
  return cpu_engine;
}

dnnl::stream& stream() {
  static dnnl::stream cpu_stream(engine());
  return cpu_stream;
}

dnnl::memory::desc plain_desc(const dims& d) {
  static const tag tags[] = {tag::undef, tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde};
  if (d.size() < 1 || d.size() > 5) throw BackendError("oneDNN descriptors need rank 1 to 5");
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, tags[d.size()]);
}

dnnl::memory::desc plain_desc(const Shape& shape) { return plain_desc(shape.dims()); }

dnnl::memory unbound_memory(const dnnl::memory::desc& desc) {
  return dnnl::memory(desc, engine(), DNNL_MEMORY_NONE);
}

void execute(const dnnl::primitive& primitive,
             const std::unordered_map<int, dnnl::memory>& arguments) {
  primitive.execute(stream(), arguments);
  stream().wait();
}

}  // namespace svertka::cpu_dnnl
