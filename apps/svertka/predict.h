// What `svertka predict` does with image files, for the CLI and the Python module
// (python/src/model.cc) alike: the images as the model sees them, and the ensemble's predictions.
#pragma once

#include <string>
#include <vector>

#include "data_options.h"
#include "preprocessing.h"
#include "svertka/eval/evaluator.h"
#include "svertka/io/model_loading.h"

namespace svertka::cli {

// `images` (files) decoded, resized and cropped for `input` as predict does: every label 0, of
// `num_classes` classes; the model's `preprocessing` (preprocessing.h), the options given in
// `image` and `mean` overriding it, noted on stderr as `command`'s.
ImageBatchSource predict_source(const std::vector<std::string>& images, int64_t num_classes,
                                const ImageDataArgs& image, const std::string& mean,
                                const ModelInput& input, const Preprocessing& preprocessing,
                                const std::string& command = "predict");

// The predictions (top 5 of the softmax averaged over the views of `crops`: center, 10, dense or
// 144, at `scales`, else `default_scale`) of `member` for every image of `source`, `batch` views
// per forward pass (0: chosen from the memory plan and printed, as eval does).
EvaluationResult predict_images(const EnsembleMember& member, const ImageBatchSource& source,
                                const std::string& crops, const std::vector<int64_t>& scales,
                                int64_t default_scale = ImageDataArgs{}.scale, int64_t batch = 0);

// The same for any source of views (samples already in memory: TensorViewSource), whose samples
// are `default_scale` on their shorter side.
EvaluationResult predict_views(const EnsembleMember& member, const ViewSource& views,
                               const std::string& crops, const std::vector<int64_t>& scales,
                               int64_t default_scale, int64_t batch = 0);

}  // namespace svertka::cli
