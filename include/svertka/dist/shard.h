// Which samples each rank reads. Every global batch of ranks * batch consecutive samples of the
// epoch's order is cut into one contiguous slice per rank, so the ranks read disjoint samples that
// together cover exactly what one process with batch ranks * batch would read, in the same batches.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace svertka {

// The samples of `rank` from `order` (a whole number of global batches of ranks * batch), in the
// order it reads them.
std::vector<int64_t> shard_for_rank(std::span<const int64_t> order, int64_t batch, int ranks,
                                    int rank);

// The contiguous part [begin, end) of `total` items that `rank` of `ranks` takes (validation).
struct Range {
  int64_t begin = 0, end = 0;
};
Range range_for_rank(int64_t total, int ranks, int rank);

}  // namespace svertka
