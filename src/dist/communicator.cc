#include "svertka/dist/communicator.h"

#include <cstdlib>

#include "dist/mpi_communicator.h"
#include "svertka/error.h"

namespace svertka {

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
#ifdef SVERTKA_WITH_MPI
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Communicator> make_communicator(const CommunicatorOptions& options) {
  if (!launched_by_mpi()) return std::make_unique<LocalCommunicator>();
#ifdef SVERTKA_WITH_MPI
  return make_mpi_communicator(options);
#else
  (void)options;
  throw ParamError(
      "started by mpirun, but this svertka was built without MPI (CMake found none); install "
      "libopenmpi-dev and rebuild, or run it without mpirun");
#endif
}

}  // namespace svertka
