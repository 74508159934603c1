// The MPI Communicator: the MPI component (svertka::mpi), built only when CMake finds MPI, and
// registered with make_communicator() before main(); declared without <mpi.h>.
#pragma once

#include <memory>

#include "svertka/dist/communicator.h"

namespace svertka {

// Initialises MPI (funneled: only the thread that calls these uses MPI) on a private duplicate of
// MPI_COMM_WORLD whose errors return codes instead of aborting, so that they become BackendErrors.
// MPI is finalised when the communicator is destroyed.
std::unique_ptr<Communicator> make_mpi_communicator(const CommunicatorOptions& options);

}  // namespace svertka
