#include "model_options.h"

#include <sstream>
#include <vector>

#include "svertka/error.h"

namespace svertka::cli {

void apply_input_size(const std::string& text, ModelOptions& options) {
  if (text.empty()) return;
  std::vector<int64_t> dims;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, 'x')) {
    try {
      dims.push_back(std::stoll(part));
    } catch (const std::exception&) {
      dims.clear();
      break;
    }
  }
  if (dims.size() != 3 || dims[0] <= 0 || dims[1] <= 0 || dims[2] <= 0)
    throw ParamError("--input expects CxHxW with positive sizes (e.g. 3x224x224), got '" + text +
                     "'");
  options.channels = dims[0], options.height = dims[1], options.width = dims[2];
}

MeanSubtraction parse_mean_subtraction(const std::string& text) {
  if (text == "channel") return MeanSubtraction::kPerChannel;
  if (text == "pixel") return MeanSubtraction::kPerPixel;
  throw ParamError("--mean expects channel or pixel, got '" + text + "'");
}

}  // namespace svertka::cli
