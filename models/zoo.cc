#include "svertka/zoo.h"

#include <functional>
#include <map>

#include "svertka/error.h"

namespace svertka {
namespace {

struct ZooEntry {
  ModelInfo info;
  std::function<NetSpec(const ModelOptions&)> build;
};

const std::map<std::string, ZooEntry>& zoo() {
  static const std::map<std::string, ZooEntry> entries{
      {"alexnet", {{"alexnet", "AlexNet as bvlc_alexnet (groups, LRN)", 227, 227, "fc8"}, alexnet}},
      {"vgg11",
       {{"vgg11", "VGG configuration A", 224, 224, "fc8"},
        [](const ModelOptions& o) { return vgg(11, o); }}},
      {"vgg13",
       {{"vgg13", "VGG configuration B", 224, 224, "fc8"},
        [](const ModelOptions& o) { return vgg(13, o); }}},
      {"vgg16",
       {{"vgg16", "VGG configuration D", 224, 224, "fc8"},
        [](const ModelOptions& o) { return vgg(16, o); }}},
      {"vgg19",
       {{"vgg19", "VGG configuration E", 224, 224, "fc8"},
        [](const ModelOptions& o) { return vgg(19, o); }}},
      {"googlenet",
       {{"googlenet", "GoogLeNet as bvlc_googlenet, auxiliary heads in TRAIN", 224, 224,
         "loss3/classifier"},
        googlenet}},
      {"lenet", {{"lenet", "Caffe's MNIST LeNet", 28, 28, "ip2"}, lenet}},
      {"alexnet_small",
       {{"alexnet_small", "AlexNet-style net for 28-32 px images", 28, 28, "fc5"}, alexnet_small}},
  };
  return entries;
}

const ZooEntry& entry(const std::string& name) {
  auto it = zoo().find(name);
  if (it == zoo().end()) {
    std::string known;
    for (const auto& [n, e] : zoo()) known += (known.empty() ? "" : ", ") + n;
    throw NotFoundError("unknown model '" + name + "'; known models: " + known);
  }
  return it->second;
}

}  // namespace

NetSpec build_model(const std::string& name, const ModelOptions& options) {
  return entry(name).build(options);
}

const ModelInfo& model_info(const std::string& name) {
  return entry(name).info;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& [name, e] : zoo()) names.push_back(name);
  return names;
}

}  // namespace svertka
