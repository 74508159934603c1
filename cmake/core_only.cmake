# The build of the GPU machine (SVERTKA_CORE_ONLY=ON; scripts/gpu_check.sh): the core, the reference
# kernels, the CUDA backend and the GPU check program (tools/gpu_check/), with none of Debian's
# -dev packages. What the core needs beyond the compiler comes from SVERTKA_DEPS_DIR, a folder
# scripts/gpu_check.sh prepares on the build machine and the device tool carries along:
#   include/fmt/         fmt's headers, used header-only (FMT_HEADER_ONLY)
#   include/nlohmann/    nlohmann-json's headers
#   include/zlib.h, include/zconf.h, lib/libz.a   zlib (IDX files may be gzipped)
# OpenMP is GCC's own libgomp.
set(SVERTKA_DEPS_DIR "" CACHE PATH "Headers and static libraries the core needs (see cmake/core_only.cmake)")
if(NOT EXISTS "${SVERTKA_DEPS_DIR}/include/fmt/format.h")
  message(FATAL_ERROR "svertka: SVERTKA_CORE_ONLY needs SVERTKA_DEPS_DIR with include/fmt, "
                      "include/nlohmann, include/zlib.h and lib/libz.a (scripts/gpu_check.sh --prepare)")
endif()
set(SVERTKA_BUILD_TESTS OFF)
set(SVERTKA_BUILD_BENCH OFF)
find_package(OpenMP REQUIRED)
add_library(fmt::fmt INTERFACE IMPORTED)
set_target_properties(fmt::fmt PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${SVERTKA_DEPS_DIR}/include
  INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
set_target_properties(nlohmann_json::nlohmann_json PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES ${SVERTKA_DEPS_DIR}/include)
add_library(ZLIB::ZLIB STATIC IMPORTED)
set_target_properties(ZLIB::ZLIB PROPERTIES IMPORTED_LOCATION ${SVERTKA_DEPS_DIR}/lib/libz.a
  INTERFACE_INCLUDE_DIRECTORIES ${SVERTKA_DEPS_DIR}/include)
if(NOT SVERTKA_CUDA_ENABLED)
  message(FATAL_ERROR "svertka: SVERTKA_CORE_ONLY is the GPU machine's build, and CMake found no "
                      "CUDA toolkit with cuDNN and cuBLAS (SVERTKA_CUDA_LIBRARY_ROOTS)")
endif()
include(cmake/components.cmake)
include(cmake/gpu_check.cmake)
