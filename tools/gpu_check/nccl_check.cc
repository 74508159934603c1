// Section "nccl" (built when NCCL was found): the NCCL communicator with one rank on the GPU, the
// path `mpirun -np 8` takes with eight: the id exchange over the bootstrap, an allreduce of a
// device span in place and of a host span through the staging buffer. One rank's sum is the
// identity, so every value must come back unchanged.
#include <fmt/format.h>

#include "gpu_check.h"
#include "svertka/dist/nccl.h"

namespace svertka::gpu_check {

int check_nccl(const CheckOptions& options, Device& device) {
  Table table(options, "nccl.tsv", "case\tresult");
  auto comm = make_nccl_communicator(std::make_unique<LocalCommunicator>(), device,
                                     {.timeout_seconds = 60});
  table.row(comm->describe() + "\topened");
  Tensor host(Shape{1 << 20});
  for (int64_t i = 0; i < host.numel(); ++i) host[i] = float(i % 1000) * 0.5f;
  Tensor on_device(host.shape(), device.memory());
  on_device.copy_from(host);
  Tensor host_copy = host.clone();
  comm->start_sum(std::span<float>(on_device.data(), size_t(on_device.numel())));
  comm->start_sum(std::span<float>(host_copy.data(), size_t(host_copy.numel())));
  comm->wait_all();
  const bool device_ok = max_relative_error(on_device.to_host(), host) == 0;
  const bool host_ok = max_relative_error(host_copy, host) == 0;
  if (!device_ok) table.fail();
  if (!host_ok) table.fail();
  table.row(fmt::format("allreduce of 1 Mi floats in device memory\t{}", device_ok ? "ok" : "FAIL"));
  table.row(fmt::format("allreduce of 1 Mi floats in host memory\t{}", host_ok ? "ok" : "FAIL"));
  return table.failures();
}

}  // namespace svertka::gpu_check
