# The component svertka::cuda (cmake/cuda.cmake found what it needs): the device, its memory and
# kernels in src/backends/cuda/, and the NCCL communicator when NCCL was found. Included by
# components.cmake after the core.
#
# Device code (*.cu) is one static library of its own, compiled by nvcc: the directory's compile
# options are for GCC, so it gets nvcc's spelling of them instead. Host code (*.cc) is ordinary
# C++ that includes the CUDA headers privately; no header under include/ names a CUDA type.
file(GLOB SVERTKA_CUDA_DEVICE_SOURCES CONFIGURE_DEPENDS src/backends/cuda/*.cu)
add_library(svertka_cuda_kernels STATIC ${SVERTKA_CUDA_DEVICE_SOURCES})
set_property(TARGET svertka_cuda_kernels PROPERTY COMPILE_OPTIONS "")
target_compile_options(svertka_cuda_kernels PRIVATE -Xcompiler=-Wall,-Wextra
  $<$<BOOL:${SVERTKA_WERROR}>:-Werror=all-warnings -Xcompiler=-Werror>)
set_target_properties(svertka_cuda_kernels PROPERTIES POSITION_INDEPENDENT_CODE ON
  CUDA_SEPARABLE_COMPILATION OFF)
target_include_directories(svertka_cuda_kernels PRIVATE ${PROJECT_SOURCE_DIR}/src
  ${PROJECT_SOURCE_DIR}/include)
# Elementwise arithmetic rounds as the host's (no fused multiply-add): the solver step on the GPU
# equals the host's bitwise (tools/gpu_check checks it).
set_source_files_properties(${PROJECT_SOURCE_DIR}/src/backends/cuda/elementwise.cu PROPERTIES
  COMPILE_OPTIONS --fmad=false)

file(GLOB SVERTKA_CUDA_HOST_SOURCES CONFIGURE_DEPENDS src/backends/cuda/*.cc)
list(REMOVE_ITEM SVERTKA_CUDA_HOST_SOURCES ${PROJECT_SOURCE_DIR}/src/backends/cuda/backend.cc)
set(SVERTKA_CUDA_LIBRARIES svertka_cuda_kernels CUDA::cudart_static ${CUDNN_LIBRARY}
  ${CUBLAS_LIBRARY})
svertka_component(cuda_impl SOURCES ${SVERTKA_CUDA_HOST_SOURCES} DEPENDS svertka_core
  PRIVATE_DEPENDS ${SVERTKA_CUDA_LIBRARIES})
target_include_directories(svertka_cuda_impl SYSTEM PRIVATE ${CUDAToolkit_INCLUDE_DIRS}
  ${CUDNN_INCLUDE_DIR} ${CUBLAS_INCLUDE_DIR})
svertka_registered_component(cuda src/backends/cuda/backend.cc svertka_cuda_impl)

# nccl: the NCCL communicator (one process per GPU, under mpirun).
if(SVERTKA_NCCL_ENABLED)
  svertka_component(nccl SOURCES src/dist/nccl_communicator.cc DEPENDS svertka_core
    PRIVATE_DEPENDS svertka_cuda_impl CUDA::cudart_static ${NCCL_LIBRARY})
  target_include_directories(svertka_nccl SYSTEM PRIVATE ${CUDAToolkit_INCLUDE_DIRS}
    ${NCCL_INCLUDE_DIR} ${CUDNN_INCLUDE_DIR} ${CUBLAS_INCLUDE_DIR})
endif()
