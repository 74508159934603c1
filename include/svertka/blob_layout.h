// How a blob's elements lie in memory, and which layouts a kernel can read and write.
//
// kPlain is row-major (NCHW for 4-D). kChannelBlocked is oneDNN's nChw16c (nChw8c on CPUs without
// AVX-512): channels in blocks of `channel_block()`, the block innermost — the layout its
// convolutions, pooling and LRN read and write fastest. Keeping it from one layer to the next
// saves a conversion at every kernel edge. The Net chooses it only for 4-D blobs whose channels
// fill whole blocks (so a blob's size never changes) and whose producer and readers all accept it;
// everything a caller reads through Net::blob() is converted back to plain.
//
// kU8ChannelsLast carries int8 inference's activations from one int8 layer to the next
// (ops/int8.h): u8 codes, channels innermost (NHWC), in the first bytes of the blob's float buffer,
// on the grid step the Net keeps with the blob. The Net chooses it in a TEST net for a set of
// blobs joined by layers that pass codes through (a fused ReLU, max pooling, a channel concat),
// each written by a kernel that can write codes (an int8 layer with its ReLU fused, an LRN:
// Kernel::can_write_u8) and read only by int8 layers that all want one step: no fp32 written
// between the layers and no quantizing pass before the next. Net::blob() dequantizes.
//
// kChannelsLast is fp32 NHWC, kept in a TEST net where an int8 layer writes fp32 (NHWC is its
// kernels' own layout) for readers that take NHWC as it is (int8 layers, LRN, pooling; LRN and
// pooling then pass it on): no conversion to blocked and back around a quantized net's LRNs,
// whose NHWC inference kernel is also oneDNN 2.6's fastest; an LRN read by int8 layers (through
// max pooling) writes their codes instead.
#pragma once

#include "svertka/tensor.h"

namespace svertka {

enum class BlobLayout { kPlain, kChannelBlocked, kU8ChannelsLast, kChannelsLast };

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
