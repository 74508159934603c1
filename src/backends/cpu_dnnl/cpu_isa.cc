#include <dnnl.hpp>

#include "svertka/backends/cpu_dnnl.h"

namespace svertka {

std::string dnnl_cpu_isa() {
  using isa = dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case isa::sse41:
      return "sse41";
    case isa::avx:
      return "avx";
    case isa::avx2:
      return "avx2";
    case isa::avx2_vnni:
      return "avx2_vnni";
    case isa::avx512_mic:
      return "avx512_mic";
    case isa::avx512_mic_4ops:
      return "avx512_mic_4ops";
    case isa::avx512_core:
      return "avx512_core";
    case isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "unknown";
  }
}

Bf16Support dnnl_bf16_support() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  if ((isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16)
    return Bf16Support::kNative;
  if ((isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core) return Bf16Support::kEmulated;
  return Bf16Support::kNone;
}

std::string dnnl_bf16_description() {
  switch (dnnl_bf16_support()) {
    case Bf16Support::kNative:
      return "native (" + dnnl_cpu_isa() + ")";
    case Bf16Support::kEmulated:
      return "emulated on " + dnnl_cpu_isa();
    case Bf16Support::kNone:
      break;
  }
  return "none on " + dnnl_cpu_isa();
}

bool dnnl_int8_vnni() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  return (isa & dnnl_cpu_isa_avx512_core_vnni) == dnnl_cpu_isa_avx512_core_vnni ||
         (isa & dnnl_cpu_isa_avx2_vnni) == dnnl_cpu_isa_avx2_vnni;
}

}  // namespace svertka
