// Averages parameter gradients across the ranks of a Communicator in buckets, each bucket's sum
// started as soon as the last of its gradients is final, so that communication overlaps the rest
// of the backward pass (the layers nearer the input).
//
// Buckets group parameters in reverse order (the order backward finalises them) up to bucket_bytes;
// a parameter larger than that gets a bucket of its own. Gradients are copied into one contiguous
// host buffer per bucket (through their memory's copies, for a device with memory of its own),
// summed in place, and copied back divided by the number of ranks.
#pragma once

#include <cstdint>
#include <vector>

#include "svertka/dist/communicator.h"
#include "svertka/net.h"

namespace svertka {

struct GradientAveragerOptions {
  int64_t bucket_bytes = 8 << 20;
};

class GradientAverager {
 public:
  GradientAverager(std::vector<Parameter>& params, Communicator& comm,
                   GradientAveragerOptions options = {});

  // Before a backward pass: no gradient is final yet.
  void begin();
  // Parameter `index`'s gradient is final; starts its bucket's sum when the bucket is complete.
  void ready(int index);
  // Starts what is left, waits for every sum, and leaves the averages in the gradients.
  void finish();

  int num_buckets() const { return static_cast<int>(buckets_.size()); }
  // Seconds finish() spent waiting for the network, last call (communication not hidden).
  double last_wait_seconds() const { return last_wait_seconds_; }

 private:
  struct Bucket {
    std::vector<int> params;
    std::vector<int64_t> offsets;  // of each parameter in `buffer`
    std::vector<float> buffer;
    int waiting = 0;  // parameters not yet ready
    bool started = false;
  };
  void start(Bucket& bucket);

  std::vector<Parameter>& params_;
  Communicator& comm_;
  std::vector<Bucket> buckets_;
  std::vector<int> bucket_of_;  // per parameter
  std::vector<bool> is_ready_;
  double last_wait_seconds_ = 0;
};

}  // namespace svertka
