// The NCCL communicator (svertka::nccl, built with the CUDA backend when CMake finds NCCL;
// docs/GPU.md): one process per GPU, as under `mpirun -np 8`, gradients summed by NCCL's
// allreduce over NVLink/PCIe instead of MPI's over the host. NCCL needs its ranks to agree on an
// id first, and has no small host collectives: `bootstrap` (the MPI communicator, or a
// LocalCommunicator for one process) carries the id and serves sum, broadcast and the checks.
#pragma once

#include <memory>

#include "svertka/device.h"
#include "svertka/dist/communicator.h"

namespace svertka {

// A communicator whose start_sum() runs on `device` (a CUDA device; BackendError otherwise) with
// NCCL: spans in that device's memory are summed in place, host spans through a device staging
// buffer. Collectives run on the device's stream, after the kernels queued there. A sum that does
// not finish within options.timeout_seconds aborts NCCL and throws BackendError.
std::unique_ptr<Communicator> make_nccl_communicator(std::unique_ptr<Communicator> bootstrap,
                                                     Device& device,
                                                     const CommunicatorOptions& options = {});

}  // namespace svertka
