# The CUDA backend's build (docs/GPU.md): SVERTKA_WITH_CUDA=AUTO builds the component svertka::cuda
# when CMake finds nvcc, cuDNN and cuBLAS (so CI, which has the toolkit and no GPU, compiles it);
# ON insists, OFF skips it. Kernels are compiled for one architecture, sm_90 (Hopper: H100, H200),
# unless CMAKE_CUDA_ARCHITECTURES says otherwise, to keep the build short.
#
# Where the libraries are not under the toolkit (a machine with cuDNN and NCCL from Python wheels),
# SVERTKA_CUDA_LIBRARY_ROOTS lists the folders to search, each with include/ and lib/ below it
# (scripts/gpu_check.sh passes the wheels' nvidia/cudnn, nvidia/nccl, nvidia/cublas).
set(SVERTKA_WITH_CUDA AUTO CACHE STRING "The CUDA backend (cuDNN, cuBLAS): AUTO (if found), ON, OFF")
set_property(CACHE SVERTKA_WITH_CUDA PROPERTY STRINGS AUTO ON OFF)
set(SVERTKA_CUDA_LIBRARY_ROOTS "" CACHE STRING "Extra roots (with include/ and lib/) of cuDNN, cuBLAS, NCCL")

# svertka_find_cuda_library(PREFIX HEADER NAMES...): PREFIX_INCLUDE_DIR and PREFIX_LIBRARY.
function(svertka_find_cuda_library prefix header)
  set(roots ${SVERTKA_CUDA_LIBRARY_ROOTS} $ENV{CUDA_HOME} /usr/local/cuda)
  find_path(${prefix}_INCLUDE_DIR ${header} HINTS ${roots} PATH_SUFFIXES include)
  # Wheels ship only the versioned file (libcudnn.so.9): its full name is searched too.
  find_library(${prefix}_LIBRARY NAMES ${ARGN} HINTS ${roots} PATH_SUFFIXES lib lib64)
endfunction()

set(SVERTKA_CUDA_ENABLED OFF)
if(SVERTKA_FUZZ OR SVERTKA_WITH_CUDA STREQUAL "OFF")
  message(STATUS "svertka: the CUDA backend is off (SVERTKA_WITH_CUDA=OFF, or a fuzzing build)")
  return()
endif()
if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
include(CheckLanguage)
check_language(CUDA)
svertka_find_cuda_library(CUDNN cudnn.h cudnn libcudnn.so.9)
svertka_find_cuda_library(CUBLAS cublas_v2.h cublas libcublas.so.13 libcublas.so.12)
set(missing "")
foreach(what CMAKE_CUDA_COMPILER CUDNN_INCLUDE_DIR CUDNN_LIBRARY CUBLAS_INCLUDE_DIR CUBLAS_LIBRARY)
  if(NOT ${what})
    list(APPEND missing ${what})
  endif()
endforeach()
if(missing)
  if(SVERTKA_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "svertka: SVERTKA_WITH_CUDA=ON, but CMake did not find: ${missing}")
  endif()
  message(STATUS "svertka: building without the CUDA backend (not found: ${missing})")
  return()
endif()

if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90)
endif()
enable_language(CUDA)
set(CMAKE_CUDA_STANDARD 17)  # what CMake 3.25 knows for nvcc; the .cu files need no more
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
find_package(CUDAToolkit REQUIRED)
svertka_find_cuda_library(NCCL nccl.h nccl libnccl.so.2)
set(SVERTKA_CUDA_ENABLED ON)
set(SVERTKA_NCCL_ENABLED OFF)
if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
  set(SVERTKA_NCCL_ENABLED ON)
endif()
message(STATUS "svertka: CUDA backend on: nvcc ${CMAKE_CUDA_COMPILER_VERSION} for sm_${CMAKE_CUDA_ARCHITECTURES}, "
               "cuDNN ${CUDNN_LIBRARY}, cuBLAS ${CUBLAS_LIBRARY}, NCCL: ${SVERTKA_NCCL_ENABLED}")
