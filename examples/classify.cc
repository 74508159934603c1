// The top 5 classes of a JPEG, as `svertka predict` gives them:
//   classify MODEL WEIGHTS IMAGE
// MODEL: a zoo name (alexnet, vgg16, googlenet, ...) with .safetensors or .caffemodel WEIGHTS, or
// a Caffe .prototxt with its .caffemodel. The image is decoded, its shorter side resized to 256,
// centre-cropped to the model's input and ImageNet's mean subtracted.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "svertka/blob_names.h"
#include "svertka/data/image_decode.h"
#include "svertka/data/image_transform.h"
#include "svertka/data/imagenet.h"
#include "svertka/io/model_loading.h"

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: classify MODEL WEIGHTS IMAGE\n"), 2;
  try {
    const svertka::ModelInput input = svertka::model_input(argv[1], argv[2]);
    const svertka::ImportedModel model = svertka::load_model(
        argv[1], argv[2],
        {.model = {
             .channels = input.channels, .height = input.crop, .width = input.crop, .batch = 1}});
    auto net = svertka::make_net(model, {.phase = svertka::Phase::kTest});

    svertka::ImageTransformOptions transform{
        .channels = input.channels, .crop = input.crop, .mirror = false};
    if (input.channels == 3) transform.channel_mean = svertka::kImageNetMean;
    const svertka::Image image =
        svertka::decode_image(svertka::read_file_bytes(argv[3]), argv[3], transform.scale_min,
                              transform.scale_min, static_cast<int>(input.channels));
    svertka::transform_image(image, transform,
                             svertka::draw_sample(transform, /*augment=*/false, 0, 0, 0),
                             net->input(svertka::kDataBlob).data());  // (1, C, crop, crop)
    net->forward();

    const svertka::Tensor& logits = net->blob(model.logits);  // (1, classes)
    const float max = *std::max_element(logits.data(), logits.data() + logits.numel());
    std::vector<double> p(static_cast<size_t>(logits.numel()));  // the softmax, unnormalised
    double sum = 0;
    for (size_t k = 0; k < p.size(); ++k) sum += p[k] = std::exp(double(logits[k]) - max);
    std::vector<size_t> order(p.size());
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                      [&](size_t a, size_t b) { return p[a] > p[b]; });
    for (size_t r = 0; r < 5 && r < order.size(); ++r)
      std::printf("  %5zu  %.4f\n", order[r], p[order[r]] / sum);
  } catch (const svertka::Error& e) {
    std::fprintf(stderr, "classify: %s\n", e.what());
    return 1;
  }
}
