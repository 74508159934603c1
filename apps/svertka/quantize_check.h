// svertka quantize's accuracy check: top-1 of the fp32 and int8 models on labelled training
// images the calibration did not take, and the layers left in fp32 to keep the loss within bounds
// (svertka/io/int8_fallback.h), each measurement printed as it is made.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "svertka/data/batch_source.h"
#include "svertka/device.h"
#include "svertka/io/int8_fallback.h"
#include "svertka/io/int8_model.h"

namespace svertka::cli {

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
