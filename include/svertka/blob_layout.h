// How a blob's elements lie in memory, and which layouts a kernel can read and write.
//
// kPlain is row-major (NCHW for 4-D). kChannelBlocked is oneDNN's nChw16c (nChw8c on CPUs without
// AVX-512): channels in blocks of `channel_block()`, the block innermost — the layout its
// convolutions, pooling and LRN read and write fastest. Keeping it from one layer to the next
// saves a conversion at every kernel edge. The Net chooses it only for 4-D blobs whose channels
// fill whole blocks (so a blob's size never changes) and whose producer and readers all accept it;
// everything a caller reads through Net::blob() is converted back to plain.
#pragma once

#include "svertka/tensor.h"

namespace svertka {

enum class BlobLayout { kPlain, kChannelBlocked };

enum class LayoutSupport {
  kPlainOnly,    // reads and writes plain blobs only
  kAny,          // any layout for each input and output, given before the first call
  kSameAsInput,  // elementwise: output 0 in input 0's layout, whichever it is
};

enum class Backend;

// The channel block of kChannelBlocked on `backend` for this CPU; 0 where the backend keeps every
// blob plain. NotFoundError for a backend not linked into the program (backend.h).
int channel_block(Backend backend);

}  // namespace svertka
