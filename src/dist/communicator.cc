#include "svertka/dist/communicator.h"

#include <cstdlib>
#include <map>

#include "svertka/device.h"
#include "svertka/error.h"

namespace svertka {

namespace {

CommunicatorFactory& mpi_factory() {
  static CommunicatorFactory factory = nullptr;
  return factory;
}

std::map<Backend, DeviceCommunicatorFactory>& device_factories() {
  static std::map<Backend, DeviceCommunicatorFactory> factories;
  return factories;
}

}  // namespace

void register_device_communicator(Backend backend, DeviceCommunicatorFactory factory) {
  if (factory)
    device_factories()[backend] = factory;
  else
    device_factories().erase(backend);
}

std::unique_ptr<Communicator> make_device_communicator(std::unique_ptr<Communicator> bootstrap,
                                                       Device& device,
                                                       const CommunicatorOptions& options) {
  const auto it = device_factories().find(device.backend());
  if (it == device_factories().end() || bootstrap->size() == 1) return bootstrap;
  return it->second(std::move(bootstrap), device, options);
}

bool register_mpi_communicator(CommunicatorFactory factory) {
  mpi_factory() = factory;
  return true;
}

void LocalCommunicator::abort(int exit_code) noexcept {
  std::_Exit(exit_code);
}

bool launched_by_mpi() {
  // Open MPI's mpirun, then the PMI/PMIx variables of MPICH, Slurm's srun and others.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

bool built_with_mpi() {
  return mpi_factory() != nullptr;
}

std::unique_ptr<Communicator> make_communicator(const CommunicatorOptions& options) {
  if (!launched_by_mpi()) return std::make_unique<LocalCommunicator>();
  if (mpi_factory()) return mpi_factory()(options);
  throw ParamError(
      "started by mpirun, but this program has no MPI (svertka built without it: CMake found "
      "none; install libopenmpi-dev and rebuild, or run it without mpirun)");
}

}  // namespace svertka
