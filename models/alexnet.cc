// AlexNet (Krizhevsky, Sutskever & Hinton 2012) as Caffe's bvlc_alexnet: 227x227 input, conv2/4/5
// split in two groups (the paper's two GPUs), LRN after relu1 and relu2, overlapping 3x3/2 pooling.
// 60,965,224 parameters. Initialisation as the paper: N(0, 0.01), biases 1 in conv2, conv4, conv5
// and the hidden FC layers, 0 elsewhere (Caffe's file uses 0.1 and std 0.005 for fc6/fc7).
#include "models/heads.h"

namespace svertka {

// A model reads like the paper's table: one layer per line with its shape comment.
// clang-format off

NetSpec alexnet(const ModelOptions& o) {
  const LrnParams lrn{.local_size = 5, .alpha = 1e-4, .beta = 0.75, .k = 1.0};
  NetBuilder b("alexnet");
  b.default_fillers(Filler::gaussian(0.01), Filler::constant(0));
  auto x = b.input(kDataBlob, Shape{o.batch, o.channels, or_native(o.height, 227), or_native(o.width, 227)});
  b.input(kLabelBlob, Shape{o.batch});
  x = b.conv("conv1", x, Conv(o.reduced(96), 11).stride(4));               // (N,3,227,227) -> (N,96,55,55)
  x = b.relu("relu1", x);
  x = b.lrn("norm1", x, lrn);
  x = b.pool("pool1", x, Pool::max(3, 2));                      // -> (N,96,27,27)
  x = b.conv("conv2", x, Conv(o.reduced(256), 5).pad(2).groups(2).bias_constant(1));  // -> (N,256,27,27)
  x = b.relu("relu2", x);
  x = b.lrn("norm2", x, lrn);
  x = b.pool("pool2", x, Pool::max(3, 2));                      // -> (N,256,13,13)
  x = b.conv("conv3", x, Conv(o.reduced(384), 3).pad(1));                  // -> (N,384,13,13)
  x = b.relu("relu3", x);
  x = b.conv("conv4", x, Conv(o.reduced(384), 3).pad(1).groups(2).bias_constant(1));  // -> (N,384,13,13)
  x = b.relu("relu4", x);
  x = b.conv("conv5", x, Conv(o.reduced(256), 3).pad(1).groups(2).bias_constant(1));  // -> (N,256,13,13)
  x = b.relu("relu5", x);
  x = b.pool("pool5", x, Pool::max(3, 2));                      // -> (N,256,6,6)
  x = b.fc("fc6", x, Fc(o.reduced(4096)).bias_constant(1));                // -> (N,4096)
  x = b.relu("relu6", x);
  x = b.dropout("drop6", x, 0.5);
  x = b.fc("fc7", x, Fc(o.reduced(4096)).bias_constant(1));                // -> (N,4096)
  x = b.relu("relu7", x);
  x = b.dropout("drop7", x, 0.5);
  x = b.fc("fc8", x, Fc(o.num_classes));                        // -> (N,classes)
  add_classifier_heads(b, x, o.num_classes);
  return b.build();
}

// clang-format on

}  // namespace svertka
