// VGG (Simonyan & Zisserman 2014), configurations A, B, D, E (11, 13, 16, 19 weight layers):
// stacks of 3x3/1 pad-1 convolutions, 2x2/2 max pooling, fc6/fc7 4096 with dropout 0.5, fc8.
// Parameters: 132,863,336 / 133,047,848 / 138,357,544 / 143,667,240. Initialisation as the paper:
// N(0, 0.01), biases 0 (the deeper nets start from a trained A: `--init-from`).
#include <map>

#include "models/heads.h"
#include "svertka/error.h"

namespace svertka {

// A model reads like the paper's table: one layer per line with its shape comment.
// clang-format off
namespace {

// Convolutions per block (widths 64, 128, 256, 512, 512), from the paper's Table 1.
const std::map<int, std::vector<int>>& block_depths() {
  static const std::map<int, std::vector<int>> depths{
      {11, {1, 1, 2, 2, 2}}, {13, {2, 2, 2, 2, 2}}, {16, {2, 2, 3, 3, 3}}, {19, {2, 2, 4, 4, 4}}};
  return depths;
}

}  // namespace

NetSpec vgg(int depth, const ModelOptions& o) {
  auto it = block_depths().find(depth);
  if (it == block_depths().end())
    throw NotFoundError("VGG has configurations 11, 13, 16 and 19, not " + std::to_string(depth));
  NetBuilder b("vgg" + std::to_string(depth));
  b.default_fillers(Filler::gaussian(0.01), Filler::constant(0));
  auto x = b.input(kDataBlob, Shape{o.batch, o.channels, or_native(o.height, 224), or_native(o.width, 224)});
  b.input(kLabelBlob, Shape{o.batch});
  const int64_t widths[] = {64, 128, 256, 512, 512};
  // 224 -> 112 -> 56 -> 28 -> 14 -> 7 spatially, one halving per block.
  for (int block = 0; block < 5; ++block) {
    for (int i = 1; i <= it->second[static_cast<size_t>(block)]; ++i) {
      const std::string suffix = std::to_string(block + 1) + "_" + std::to_string(i);
      x = b.conv("conv" + suffix, x, Conv(o.reduced(widths[block]), 3).pad(1));  // same size, widths[block] channels
      x = b.relu("relu" + suffix, x);
    }
    x = b.pool("pool" + std::to_string(block + 1), x, Pool::max(2, 2));  // halves H and W
  }
  x = b.fc("fc6", x, Fc(o.reduced(4096)));  // (N,512,7,7) -> (N,4096)
  x = b.relu("relu6", x);
  x = b.dropout("drop6", x, 0.5);
  x = b.fc("fc7", x, Fc(o.reduced(4096)));  // -> (N,4096)
  x = b.relu("relu7", x);
  x = b.dropout("drop7", x, 0.5);
  x = b.fc("fc8", x, Fc(o.num_classes));  // -> (N,classes)
  add_classifier_heads(b, x, o.num_classes);
  return b.build();
}

// clang-format on

}  // namespace svertka
