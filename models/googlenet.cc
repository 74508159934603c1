// GoogLeNet / Inception v1 (Szegedy et al. 2015) as Caffe's bvlc_googlenet, with both auxiliary
// classifiers (TRAIN only, loss weight 0.3) and main-head dropout 0.4. 6,998,552 parameters without
// the auxiliary heads, 13,378,280 with them. Initialisation as Caffe's file: Xavier, biases 0.2
// (0 for the classifiers).
#include "models/heads.h"

namespace svertka {

// A model reads like the paper's table: one layer per line with its shape comment.
// clang-format off
namespace {

// Widths of one Inception module: 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection
// (the paper's Table 1).
struct InceptionWidths {
  int64_t c1x1, reduce3x3, c3x3, reduce5x5, c5x5, pool_proj;
};

class GoogLeNetBuilder {
 public:
  explicit GoogLeNetBuilder(const ModelOptions& o) : o_(o), b_("googlenet") {
    b_.default_fillers(Filler::xavier(), Filler::constant(0.2));
  }

  // conv + in-place ReLU, Caffe's naming: "<scope>/<what>" and "<scope>/relu_<what>".
  std::string conv_relu(const std::string& scope, const std::string& what, const std::string& x,
                        Conv conv) {
    const std::string y = b_.conv(scope + "/" + what, x, conv);
    return b_.relu(scope + "/relu_" + what, y);
  }

  // Four branches on the same input, joined on channels: output width c1x1 + c3x3 + c5x5 + pool_proj.
  std::string inception(const std::string& name, const std::string& x, const InceptionWidths& w) {
    const std::string s = "inception_" + name;
    const auto branch1 = conv_relu(s, "1x1", x, Conv(o_.reduced(w.c1x1), 1));
    const auto reduce3 = conv_relu(s, "3x3_reduce", x, Conv(o_.reduced(w.reduce3x3), 1));
    const auto branch3 = conv_relu(s, "3x3", reduce3, Conv(o_.reduced(w.c3x3), 3).pad(1));
    const auto reduce5 = conv_relu(s, "5x5_reduce", x, Conv(o_.reduced(w.reduce5x5), 1));
    const auto branch5 = conv_relu(s, "5x5", reduce5, Conv(o_.reduced(w.c5x5), 5).pad(2));
    const auto pooled = b_.pool(s + "/pool", x, Pool::max(3, 1).pad(1));
    const auto branch_pool = conv_relu(s, "pool_proj", pooled, Conv(o_.reduced(w.pool_proj), 1));
    return b_.concat(s + "/output", {branch1, branch3, branch5, branch_pool});
  }

  // Auxiliary classifier on a 14x14 map: avg 5/3 -> (N,C,4,4), 1x1 conv 128, fc 1024, dropout 0.7.
  void auxiliary_head(const std::string& scope, const std::string& x) {
    b_.only_in(Phase::kTrain);
    auto y = b_.pool(scope + "/ave_pool", x, Pool::average(5, 3));
    y = conv_relu(scope, "conv", y, Conv(o_.reduced(128), 1));
    y = b_.fc(scope + "/fc", y, Fc(o_.reduced(1024)));
    y = b_.relu(scope + "/relu_fc", y);
    y = b_.dropout(scope + "/drop_fc", y, 0.7);
    y = b_.fc(scope + "/classifier", y, Fc(o_.num_classes).bias_constant(0));
    b_.softmax_loss(scope + "/loss", y, kLabelBlob, 0.3f);
    b_.only_in(std::nullopt);
  }

  NetSpec build() {
    const LrnParams lrn{.local_size = 5, .alpha = 1e-4, .beta = 0.75, .k = 1.0};
    auto x = b_.input(kDataBlob, Shape{o_.batch, o_.channels, or_native(o_.height, 224),
                                     or_native(o_.width, 224)});
    b_.input(kLabelBlob, Shape{o_.batch});
    x = conv_relu("conv1", "7x7_s2", x, Conv(o_.reduced(64), 7).stride(2).pad(3));  // -> (N,64,112,112)
    x = b_.pool("pool1/3x3_s2", x, Pool::max(3, 2));                           // -> (N,64,56,56)
    x = b_.lrn("pool1/norm1", x, lrn);
    x = conv_relu("conv2", "3x3_reduce", x, Conv(o_.reduced(64), 1));            // -> (N,64,56,56)
    x = conv_relu("conv2", "3x3", x, Conv(o_.reduced(192), 3).pad(1));           // -> (N,192,56,56)
    x = b_.lrn("conv2/norm2", x, lrn);
    x = b_.pool("pool2/3x3_s2", x, Pool::max(3, 2));                           // -> (N,192,28,28)
    x = inception("3a", x, {64, 96, 128, 16, 32, 32});                         // -> (N,256,28,28)
    x = inception("3b", x, {128, 128, 192, 32, 96, 64});                       // -> (N,480,28,28)
    x = b_.pool("pool3/3x3_s2", x, Pool::max(3, 2));                           // -> (N,480,14,14)
    x = inception("4a", x, {192, 96, 208, 16, 48, 64});                        // -> (N,512,14,14)
    auxiliary_head("loss1", x);
    x = inception("4b", x, {160, 112, 224, 24, 64, 64});                       // -> (N,512,14,14)
    x = inception("4c", x, {128, 128, 256, 24, 64, 64});                       // -> (N,512,14,14)
    x = inception("4d", x, {112, 144, 288, 32, 64, 64});                       // -> (N,528,14,14)
    auxiliary_head("loss2", x);
    x = inception("4e", x, {256, 160, 320, 32, 128, 128});                     // -> (N,832,14,14)
    x = b_.pool("pool4/3x3_s2", x, Pool::max(3, 2));                           // -> (N,832,7,7)
    x = inception("5a", x, {256, 160, 320, 32, 128, 128});                     // -> (N,832,7,7)
    x = inception("5b", x, {384, 192, 384, 48, 128, 128});                     // -> (N,1024,7,7)
    // Caffe's pool5/7x7_s1; global pooling is the same at 224 px and also fits smaller inputs.
    Pool global = Pool::average(7, 1);
    global.params.global_pooling = true;
    x = b_.pool("pool5/7x7_s1", x, global);                                    // -> (N,1024,1,1)
    x = b_.dropout("pool5/drop_7x7_s1", x, 0.4);
    x = b_.fc("loss3/classifier", x, Fc(o_.num_classes).bias_constant(0));    // -> (N,classes)
    add_classifier_heads(b_, x, o_.num_classes);
    return b_.build();
  }

 private:
  ModelOptions o_;
  NetBuilder b_;
};

}  // namespace

NetSpec googlenet(const ModelOptions& options) { return GoogLeNetBuilder(options).build(); }

// clang-format on

}  // namespace svertka
