// KernelRegistry: (op type, backend) -> kernel factory. Filled once, when first used, by the
// registration function of every kernel file (src/backends/<backend>/<op>.cc defines
// `void register_<backend>_<op>(KernelRegistry&)`, listed by CMake from the file names; see
// docs/adding_an_op.md); read-only afterwards.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "svertka/device.h"
#include "svertka/op.h"

namespace svertka {

class KernelRegistry {
 public:
  template <class T>
  using Factory = std::function<std::unique_ptr<BasicKernel<T>>(
      const Op&, const std::vector<Shape>& inputs, Device& device)>;

  static const KernelRegistry& instance();

  // A kernel for `op` on `device` for these input shapes. A device in host memory whose backend
  // has no kernel for the op gets the reference kernel; one with memory of its own (device.h)
  // does not: NotFoundError naming the op and the backend. NotFoundError for an unknown op type.
  std::unique_ptr<Kernel> make(const Op& op, Device& device,
                               const std::vector<Shape>& inputs) const;
  // The same on default_device(backend).
  std::unique_ptr<Kernel> make(const Op& op, Backend backend,
                               const std::vector<Shape>& inputs) const;
  // The reference kernel in double precision, for gradient checks.
  std::unique_ptr<BasicKernel<double>> make_reference_double(
      const Op& op, const std::vector<Shape>& inputs) const;

  bool has(std::string_view op_type, Backend backend) const;
  bool has_reference_double(std::string_view op_type) const;

  // Registers KernelT<float> (and KernelT<double> for the reference backend) for OpT.
  // KernelT must be constructible from (const OpT&, const std::vector<Shape>& inputs), or from
  // those and the Device& it runs on.
  template <class OpT, template <class> class KernelT>
  void add_reference() {
    const std::string type(OpT::kType);
    float_[{type, Backend::kCpuRef}] = typed_factory<float, OpT, KernelT<float>>();
    double_[type] = typed_factory<double, OpT, KernelT<double>>();
  }
  template <class OpT, class KernelT>
  void add(Backend backend) {
    float_[{std::string(OpT::kType), backend}] = typed_factory<float, OpT, KernelT>();
  }
  // Any factory, for a backend whose kernels are not one class per op (a wrapper around others).
  void add_factory(std::string_view op_type, Backend backend, Factory<float> factory) {
    float_[{std::string(op_type), backend}] = std::move(factory);
  }
  // The float factory registered for (op_type, backend), or null.
  const Factory<float>* find(std::string_view op_type, Backend backend) const {
    const auto it = float_.find({std::string(op_type), backend});
    return it == float_.end() ? nullptr : &it->second;
  }

 private:
  KernelRegistry();
  // Runs one kernel file's registration function and checks that it registered a kernel for
  // `op_type` on `backend`.
  void add_listed(Backend backend, std::string_view op_type, void (*registration)(KernelRegistry&));

  template <class T, class OpT, class KernelT>
  static Factory<T> typed_factory() {
    return [](const Op& op, const std::vector<Shape>& inputs,
              Device& device) -> std::unique_ptr<BasicKernel<T>> {
      const auto& typed = dynamic_cast<const OpT&>(op);
      typed.output_shapes(inputs);  // validates parameters and shapes before any kernel exists
      if constexpr (std::is_constructible_v<KernelT, const OpT&, const std::vector<Shape>&,
                                            Device&>)
        return std::make_unique<KernelT>(typed, inputs, device);
      else
        return std::make_unique<KernelT>(typed, inputs);
    };
  }

  std::map<std::pair<std::string, Backend>, Factory<float>> float_;
  std::map<std::string, Factory<double>> double_;
};

}  // namespace svertka
