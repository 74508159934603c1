// A zoo model on the cpu_dnnl backend, linked with svertka::core and svertka::dnnl only:
//   zoo_forward [MODEL]     (default alexnet; `svertka summary` lists the names)
// builds the model with freshly initialised weights, runs one image of uniform noise through it
// and prints the logits' shape, the top class and the time the forward pass took.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "svertka/blob_names.h"
#include "svertka/net.h"
#include "svertka/zoo.h"

int main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : "alexnet";
  try {
    const svertka::NetSpec spec = svertka::build_model(model, {.batch = 1});
    svertka::Net net(spec, {.phase = svertka::Phase::kTest, .backend = svertka::Backend::kCpuDnnl});
    net.init_params(/*seed=*/1);

    svertka::Tensor& image = net.input(svertka::kDataBlob);  // (1, 3, H, W)
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> noise(-1, 1);
    for (int64_t i = 0; i < image.numel(); ++i) image[i] = noise(rng);

    const auto start = std::chrono::steady_clock::now();
    net.forward();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    const svertka::Tensor& logits = net.blob(svertka::model_info(model).logits);  // (1, classes)
    int64_t top = 0;
    for (int64_t k = 1; k < logits.numel(); ++k)
      if (logits[k] > logits[top]) top = k;
    std::printf("%s: logits %s, top class %lld, forward %.1f ms\n", model.c_str(),
                logits.shape().str().c_str(), static_cast<long long>(top), ms);
  } catch (const svertka::Error& e) {
    std::fprintf(stderr, "zoo_forward: %s\n", e.what());
    return 1;
  }
}
