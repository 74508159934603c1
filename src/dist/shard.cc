#include "svertka/dist/shard.h"

#include "svertka/error.h"

namespace svertka {

std::vector<int64_t> shard_for_rank(std::span<const int64_t> order, int64_t batch, int ranks,
                                    int rank) {
  const int64_t global = batch * ranks;
  if (batch <= 0 || ranks <= 0 || rank < 0 || rank >= ranks)
    throw ParamError("shard_for_rank: needs batch > 0 and 0 <= rank < ranks");
  if (static_cast<int64_t>(order.size()) % global != 0)
    throw ParamError("shard_for_rank: " + std::to_string(order.size()) +
                     " samples are not a whole number of global batches of " +
                     std::to_string(global));
  std::vector<int64_t> mine;
  mine.reserve(order.size() / static_cast<size_t>(ranks));
  for (size_t begin = 0; begin < order.size(); begin += static_cast<size_t>(global)) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(begin + size_t(rank * batch));
    mine.insert(mine.end(), first, first + batch);
  }
  return mine;
}

Range range_for_rank(int64_t total, int ranks, int rank) {
  return {total * rank / ranks, total * (rank + 1) / ranks};
}

}  // namespace svertka
