#include "dist/mpi_communicator.h"

#include <mpi.h>

#include <chrono>
#include <thread>
#include <vector>

#include "svertka/error.h"

namespace svertka {
namespace {

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(const CommunicatorOptions& options) : options_(options) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        throw BackendError("MPI_Init_thread failed");
      owns_mpi_ = true;
    }
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    char host[MPI_MAX_PROCESSOR_NAME];
    int length = 0;
    MPI_Get_processor_name(host, &length);
    host_.assign(host, static_cast<size_t>(length));
  }

  ~MpiCommunicator() override {
    MPI_Comm_free(&comm_);
    if (owns_mpi_) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string describe() const override {
    return "MPI rank " + std::to_string(rank_) + " of " + std::to_string(size_) + " on " + host_;
  }

  void start_sum(std::span<float> data) override {
    pending_.emplace_back();
    check(MPI_Iallreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), MPI_FLOAT,
                         MPI_SUM, comm_, &pending_.back()),
          "MPI_Iallreduce");
  }

  void progress() override {
    if (pending_.empty()) return;
    int done = 0;
    check(
        MPI_Testall(static_cast<int>(pending_.size()), pending_.data(), &done, MPI_STATUSES_IGNORE),
        "MPI_Testall");
    if (done) pending_.clear();
  }

  void wait_all() override {
    // MPI_Waitall has no timeout: poll, yielding the core, until done or out of time.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(options_.timeout_seconds);
    for (int polls = 0; !pending_.empty(); ++polls) {
      progress();
      if (pending_.empty()) break;
      if (std::chrono::steady_clock::now() > deadline)
        throw BackendError(describe() + ": the other ranks did not answer within " +
                           std::to_string(int(options_.timeout_seconds)) +
                           " s (a rank died or hangs); stopping");
      if (polls > 1000) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  void sum(std::span<double> data) override {
    pending_.emplace_back();
    check(MPI_Iallreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), MPI_DOUBLE,
                         MPI_SUM, comm_, &pending_.back()),
          "MPI_Iallreduce");
    wait_all();
  }

  void broadcast(std::span<float> data, int root) override {
    pending_.emplace_back();
    check(MPI_Ibcast(data.data(), static_cast<int>(data.size()), MPI_FLOAT, root, comm_,
                     &pending_.back()),
          "MPI_Ibcast");
    wait_all();
  }

  void broadcast(std::span<double> data, int root) override {
    pending_.emplace_back();
    check(MPI_Ibcast(data.data(), static_cast<int>(data.size()), MPI_DOUBLE, root, comm_,
                     &pending_.back()),
          "MPI_Ibcast");
    wait_all();
  }

  bool same_on_all_ranks(uint64_t value) override {
    uint64_t bounds[2] = {value, ~value};  // max of ~v is ~(min of v)
    pending_.emplace_back();
    check(MPI_Iallreduce(MPI_IN_PLACE, bounds, 2, MPI_UINT64_T, MPI_MAX, comm_, &pending_.back()),
          "MPI_Iallreduce");
    wait_all();
    return bounds[0] == ~bounds[1];
  }

  [[noreturn]] void abort(int exit_code) noexcept override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
  }

 private:
  void check(int code, const char* call) const {
    if (code != MPI_SUCCESS)
      throw BackendError(describe() + ": " + call + " failed: " + mpi_error_text(code));
  }

  CommunicatorOptions options_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::string host_;
  bool owns_mpi_ = false;
  std::vector<MPI_Request> pending_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator(const CommunicatorOptions& options) {
  return std::make_unique<MpiCommunicator>(options);
}

namespace {

// CMake links this file whole into every program that links svertka::mpi.
[[maybe_unused]] const bool registered = register_mpi_communicator(make_mpi_communicator);

}  // namespace

}  // namespace svertka
