// The model zoo: the papers' networks, one file per architecture in models/.
// Every model has inputs "data" (N,C,H,W) and "label" (N), its class scores in the blob named by
// ModelInfo::logits, a "loss" (softmax cross-entropy) and "accuracy_top1" / "accuracy_top5"
// (the constants of blob_names.h).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "svertka/blob_names.h"
#include "svertka/net_spec.h"

namespace svertka {

struct ModelOptions {
  int64_t num_classes = 1000;
  int64_t channels = 3;
  int64_t height = 0, width = 0;  // 0: the model's native input size
  int64_t batch = 1;
  // Divides every layer width but the classifier's (width-reduced variants for quick tests).
  int64_t width_divisor = 1;
  int64_t reduced(int64_t channels) const { return std::max<int64_t>(1, channels / width_divisor); }
};

struct ModelInfo {
  std::string name;
  std::string description;
  int64_t native_height, native_width;
  std::string logits;  // the blob holding the class scores
};

NetSpec alexnet(const ModelOptions& options);
NetSpec vgg(int depth, const ModelOptions& options);  // 11, 13, 16, 19: configurations A, B, D, E
NetSpec googlenet(const ModelOptions& options);
NetSpec lenet(const ModelOptions& options);
NetSpec alexnet_small(const ModelOptions& options);

// By name: alexnet, vgg11, vgg13, vgg16, vgg19, googlenet, lenet, alexnet_small.
NetSpec build_model(const std::string& name, const ModelOptions& options);
const ModelInfo& model_info(const std::string& name);  // NotFoundError listing the known names
std::vector<std::string> model_names();

}  // namespace svertka
