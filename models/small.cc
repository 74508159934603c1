// Small networks for 28x28 grey (MNIST, Fashion-MNIST) and 32x32 colour (CIFAR) images.
#include "models/heads.h"

namespace svertka {

// A model reads like the paper's table: one layer per line with its shape comment.
// clang-format off

// Caffe's MNIST LeNet (examples/mnist/lenet_train_test.prototxt): 431,080 parameters at 28x28.
NetSpec lenet(const ModelOptions& o) {
  NetBuilder b("lenet");
  b.default_fillers(Filler::xavier(), Filler::constant(0));
  auto x = b.input(kDataBlob, Shape{o.batch, o.channels, or_native(o.height, 28), or_native(o.width, 28)});
  b.input(kLabelBlob, Shape{o.batch});
  x = b.conv("conv1", x, Conv(o.reduced(20), 5));  // (N,1,28,28) -> (N,20,24,24)
  x = b.pool("pool1", x, Pool::max(2, 2));         // -> (N,20,12,12)
  x = b.conv("conv2", x, Conv(o.reduced(50), 5));  // -> (N,50,8,8)
  x = b.pool("pool2", x, Pool::max(2, 2));         // -> (N,50,4,4)
  x = b.fc("ip1", x, Fc(o.reduced(500)));          // -> (N,500)
  x = b.relu("relu1", x);
  x = b.fc("ip2", x, Fc(o.num_classes));           // -> (N,classes)
  add_classifier_heads(b, x, o.num_classes);
  return b.build();
}

// AlexNet's ingredients at 28-32 px: ReLU, cross-channel LRN after the first two convolutions,
// overlapping 3x3/2 max pooling, a dropout-regularised FC head; 3x3 kernels after the first layer
// keep it fast enough to train on Fashion-MNIST in minutes. Xavier init: AlexNet's N(0, 0.01)
// stalls without its 1.2M images, and MSRA needs a much smaller learning rate without BN.
NetSpec alexnet_small(const ModelOptions& o) {
  const LrnParams lrn{.local_size = 5, .alpha = 1e-4, .beta = 0.75, .k = 1.0};
  NetBuilder b("alexnet_small");
  b.default_fillers(Filler::xavier(), Filler::constant(0));
  auto x = b.input(kDataBlob, Shape{o.batch, o.channels, or_native(o.height, 28), or_native(o.width, 28)});
  b.input(kLabelBlob, Shape{o.batch});
  x = b.conv("conv1", x, Conv(o.reduced(48), 5).pad(2));  // (N,1,28,28) -> (N,48,28,28)
  x = b.relu("relu1", x);
  x = b.lrn("norm1", x, lrn);
  x = b.pool("pool1", x, Pool::max(3, 2));                // -> (N,48,14,14)
  x = b.conv("conv2", x, Conv(o.reduced(96), 3).pad(1));  // -> (N,96,14,14)
  x = b.relu("relu2", x);
  x = b.lrn("norm2", x, lrn);
  x = b.pool("pool2", x, Pool::max(3, 2));                // -> (N,96,7,7)
  x = b.conv("conv3", x, Conv(o.reduced(256), 3).pad(1)); // -> (N,256,7,7)
  x = b.relu("relu3", x);
  x = b.pool("pool3", x, Pool::max(3, 2));                // -> (N,256,3,3)
  x = b.fc("fc4", x, Fc(o.reduced(1024)));                // -> (N,1024)
  x = b.relu("relu4", x);
  x = b.dropout("drop4", x, 0.5);
  x = b.fc("fc5", x, Fc(o.num_classes));                  // -> (N,classes)
  add_classifier_heads(b, x, o.num_classes);
  return b.build();
}

// clang-format on

}  // namespace svertka
