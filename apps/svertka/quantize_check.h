// svertka quantize's passes over training images: the one loop that calibration and the accuracy
// check share, and the check itself: top-1 of the fp32 and int8 models on labelled training
// images the calibration did not take, and the layers left in fp32 to keep the loss within bounds
// (svertka/io/int8_fallback.h), each measurement printed as it is made.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "svertka/data/batch_source.h"
#include "svertka/device.h"
#include "svertka/io/int8_fallback.h"
#include "svertka/io/int8_model.h"

namespace svertka::cli {

// After a forward pass of `net`: the pass's labels, and how many of its images are real (the
// rest fill up the last pass).
using AfterPass = std::function<void(const Net& net, const Tensor& labels, int64_t real)>;

// `model` made with `options` at `batch` run over the images `images` of `data` (centre views,
// no augmentation), the last pass filled up with its last image; `after` after each pass.
void run_passes(const ImportedModel& model, const BatchSource& data,
                std::span<const int64_t> images, int64_t batch, const NetOptions& options,
                const AfterPass& after);

struct AccuracyCheck {
  std::vector<int64_t> images;  // indices into the training split
  int64_t batch = 50;
  double max_loss_points = 0.5;
  std::set<std::string> forced;  // --keep-fp32
};

// The fallback's choice for `model` calibrated as `ranges` says; prints the measurements.
Fp32Fallback check_int8_accuracy(const ImportedModel& model, const ActivationRanges& ranges,
                                 const BatchSource& data, const AccuracyCheck& check,
                                 const std::shared_ptr<Device>& device);

}  // namespace svertka::cli
