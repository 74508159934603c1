#include "svertka/kernel_registry.h"

#include "svertka/error.h"

namespace svertka {

KernelRegistry::KernelRegistry() {
  register_cpu_ref_kernels(*this);
  register_cpu_dnnl_kernels(*this);
}

const KernelRegistry& KernelRegistry::instance() {
  static const KernelRegistry registry;
  return registry;
}

std::unique_ptr<Kernel> KernelRegistry::make(const Op& op, Backend backend,
                                             const std::vector<Shape>& inputs) const {
  const std::string type(op.type());
  auto it = float_.find({type, backend});
  if (it == float_.end()) it = float_.find({type, Backend::kCpuRef});
  if (it == float_.end()) throw NotFoundError("no kernel registered for op type '" + type + "'");
  return it->second(op, inputs);
}

std::unique_ptr<BasicKernel<double>> KernelRegistry::make_reference_double(
    const Op& op, const std::vector<Shape>& inputs) const {
  const std::string type(op.type());
  auto it = double_.find(type);
  if (it == double_.end())
    throw NotFoundError("no double reference kernel registered for op type '" + type + "'");
  return it->second(op, inputs);
}

bool KernelRegistry::has(std::string_view op_type, Backend backend) const {
  return float_.count({std::string(op_type), backend}) > 0;
}

}  // namespace svertka
