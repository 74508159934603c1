// Command-line parsing shared by the subcommands that build a model (loading is
// svertka/io/model_loading.h).
#pragma once

#include <string>

#include "svertka/data/batch_source.h"
#include "svertka/zoo.h"

namespace svertka::cli {

// Applies an "--input CxHxW" value (e.g. 3x224x224) to `options`; empty leaves the model's native
// size. ParamError on anything else.
void apply_input_size(const std::string& text, ModelOptions& options);

// "channel" | "pixel" (the --mean option of train and eval); ParamError otherwise.
MeanSubtraction parse_mean_subtraction(const std::string& text);

}  // namespace svertka::cli
