// The processes of a data-parallel run and the collectives training needs, behind a small interface
// so that the core builds and runs without MPI. A single process gets LocalCommunicator (every
// collective is the identity); `mpirun -np N svertka ...` gets an MPI one when the build found MPI.
//
// Every rank must make the same calls in the same order (MPI's rule for collectives). A collective
// that does not complete within the timeout throws BackendError: a peer died or hangs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace svertka {

struct CommunicatorOptions {
  // Longest wait for the other ranks in any collective, in seconds.
  double timeout_seconds = 600;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "MPI rank 1 of 4 on host-b", for messages.
  virtual std::string describe() const = 0;

  // Starts summing `data` element-wise across ranks, in place, without waiting. `data` must stay
  // alive and untouched until wait_all().
  virtual void start_sum(std::span<float> data) = 0;
  // Lets started sums advance (MPI moves messages only inside its calls); never blocks.
  virtual void progress() = 0;
  // Waits for every started sum.
  virtual void wait_all() = 0;

  // Blocking collectives for small data: element-wise sum, copy from `root`.
  virtual void sum(std::span<double> data) = 0;
  virtual void broadcast(std::span<float> data, int root) = 0;
  virtual void broadcast(std::span<double> data, int root) = 0;
  // Whether every rank passed the same value.
  virtual bool same_on_all_ranks(uint64_t value) = 0;

  // Ends every rank of the run at once (the CLI's response to an error on one rank; a library
  // caller never needs it). A single process just exits.
  [[noreturn]] virtual void abort(int exit_code) noexcept = 0;
};

// The MPI component (svertka::mpi, src/dist/mpi_communicator.cc) registers its communicator before
// main(), so that the core needs no MPI; true, for a static initialiser.
using CommunicatorFactory = std::unique_ptr<Communicator> (*)(const CommunicatorOptions&);
bool register_mpi_communicator(CommunicatorFactory factory);
// Whether this program has MPI (the MPI component is linked into it).
bool built_with_mpi();
// Whether this process was started by an MPI launcher (mpirun, srun with PMI), from its
// environment.
bool launched_by_mpi();
// MPI when launched by mpirun and built with it; LocalCommunicator when started normally.
// ParamError when launched by mpirun but without MPI in the program; BackendError when MPI fails to
// start.
std::unique_ptr<Communicator> make_communicator(const CommunicatorOptions& options = {});

class Device;        // device.h
enum class Backend;  // op.h

// A backend whose devices sum better among themselves than through the host (the CUDA one's
// NCCL: GPU memory over NVLink) registers a factory of communicators on its device; `bootstrap`
// (MPI's) gives the ranks and carries the setup. The CUDA plugin of the command line registers
// NCCL's (apps/svertka/plugins/cuda.cc).
using DeviceCommunicatorFactory = std::unique_ptr<Communicator> (*)(
    std::unique_ptr<Communicator> bootstrap, Device& device, const CommunicatorOptions& options);
// A null factory removes the backend's.
void register_device_communicator(Backend backend, DeviceCommunicatorFactory factory);
// The communicator of `device`'s backend over `bootstrap`, when one is registered and there is
// more than one rank; else `bootstrap` itself.
std::unique_ptr<Communicator> make_device_communicator(std::unique_ptr<Communicator> bootstrap,
                                                       Device& device,
                                                       const CommunicatorOptions& options = {});

class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string describe() const override { return "single process"; }
  void start_sum(std::span<float>) override {}
  void progress() override {}
  void wait_all() override {}
  void sum(std::span<double>) override {}
  void broadcast(std::span<float>, int) override {}
  void broadcast(std::span<double>, int) override {}
  bool same_on_all_ranks(uint64_t) override { return true; }
  [[noreturn]] void abort(int exit_code) noexcept override;
};

}  // namespace svertka
