// The MPI Communicator (compiled only when CMake finds MPI; declared without <mpi.h> so that no
// other file needs it).
#pragma once

#include <memory>

#include "svertka/dist/communicator.h"

namespace svertka {

// Initialises MPI (funneled: only the thread that calls these uses MPI) on a private duplicate of
// MPI_COMM_WORLD whose errors return codes instead of aborting, so that they become BackendErrors.
// MPI is finalised when the communicator is destroyed.
std::unique_ptr<Communicator> make_mpi_communicator(const CommunicatorOptions& options);

}  // namespace svertka
