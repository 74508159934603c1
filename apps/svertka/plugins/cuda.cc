// libsvertka_cuda.so: the CUDA backend (svertka::cuda, linked whole) as a plugin of the command
// line (apps/svertka/backend_plugin.h), which loads it only for a cuda device. Its registration
// runs when it is loaded; this file only gives the module a source of its own.
namespace svertka::cli {

extern "C" int svertka_cuda_plugin_abi() {
  return 1;
}

}  // namespace svertka::cli
