#include "svertka/op.h"

#include "svertka/error.h"

namespace svertka {

std::string_view backend_name(Backend backend) {
  switch (backend) {
    case Backend::kCpuRef:
      return "cpu_ref";
    case Backend::kCpuDnnl:
      return "cpu_dnnl";
    case Backend::kCuda:
      return "cuda";
    case Backend::kPrivate:
      return "private";
  }
  return "unknown";
}

Backend parse_backend(std::string_view name) {
  if (name == "cpu_ref") return Backend::kCpuRef;
  if (name == "cpu_dnnl") return Backend::kCpuDnnl;
  if (name == "cuda") return Backend::kCuda;
  throw NotFoundError("unknown backend '" + std::string(name) +
                      "' (expected cpu_ref, cpu_dnnl or cuda)");
}

std::string Op::label() const {
  std::string s(type());
  if (!name_.empty()) s += " '" + name_ + "'";
  return s;
}

void Op::fail_param(const std::string& message) const {
  throw ParamError(label() + ": " + message);
}

void Op::fail_shape(const std::string& message) const {
  throw ShapeError(label() + ": " + message);
}

void Op::expect_inputs(const std::vector<Shape>& inputs, size_t count) const {
  if (inputs.size() != count)
    fail_shape("expects " + std::to_string(count) + " input(s), got " +
               std::to_string(inputs.size()));
}

}  // namespace svertka
