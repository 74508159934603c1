# svertka_gpu_check: the program scripts/gpu_check.sh runs on the GPU machine (tools/gpu_check/):
# every CUDA kernel against cpu_ref on the shape catalog, the zoo's nets on both, a short training
# and the throughput. Built wherever the CUDA backend is, so that CI compiles it; it needs a GPU to
# run (without one it says so and exits 2).
file(GLOB SVERTKA_GPU_CHECK_SOURCES CONFIGURE_DEPENDS tools/gpu_check/*.cc)
list(REMOVE_ITEM SVERTKA_GPU_CHECK_SOURCES ${PROJECT_SOURCE_DIR}/tools/gpu_check/nccl_check.cc)
add_executable(svertka_gpu_check ${SVERTKA_GPU_CHECK_SOURCES}
  tests/support/shape_catalog.cc tests/support/relative_error.cc)
target_include_directories(svertka_gpu_check PRIVATE ${PROJECT_SOURCE_DIR}/src
  ${PROJECT_SOURCE_DIR}/tests/support ${CMAKE_BINARY_DIR}/generated)
target_compile_definitions(svertka_gpu_check PRIVATE
  SVERTKA_SHAPE_CATALOG="${PROJECT_SOURCE_DIR}/shapes/catalog.txt")
# CUDA::toolkit: the runtime's headers, for the page-locked copies of layers_check.cc.
target_link_libraries(svertka_gpu_check PRIVATE svertka_core svertka::cuda CUDA::toolkit)
if(SVERTKA_NCCL_ENABLED)
  target_sources(svertka_gpu_check PRIVATE tools/gpu_check/nccl_check.cc)
  target_link_libraries(svertka_gpu_check PRIVATE svertka_nccl)
  target_compile_definitions(svertka_gpu_check PRIVATE SVERTKA_GPU_CHECK_NCCL=1)
endif()
