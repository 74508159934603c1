#include "svertka/data/image_datum.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/image_cv.h"
#include "svertka/data/image_decode.h"
#include "svertka/error.h"

namespace svertka {
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == "jpeg" ? "jpg" : ext;
}

}  // namespace

Datum image_to_datum(const std::string& path, int64_t label, const ImageDatumOptions& options) {
  if ((options.resize_height > 0) != (options.resize_width > 0))
    throw ParamError("resize height and width: give both or neither");
  const bool resize = options.resize_height > 0;
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  Datum d;
  d.label = label;
  const std::string type = options.encode_type.empty() ? lower_extension(path) : options.encode_type;
  // Caffe stores the file itself when it needs no change (its colour is taken as it is).
  if (options.encoded && !resize && !options.gray && type == lower_extension(path)) {
    d.encoded = true;
    d.data = bytes;
    return d;
  }
  Image image = decode_image(bytes, path, 0, 0, options.gray ? 1 : 3);
  if (resize) {
    cv::Mat resized;
    cv::resize(as_mat(image), resized, cv::Size(int(options.resize_width), int(options.resize_height)),
               0, 0, cv::INTER_LINEAR);
    image = from_mat(std::move(resized));
  }
  if (options.encoded) {
    const std::string ext = "." + (type.empty() ? std::string("png") : type);
    std::vector<uchar> out;
    try {
      if (!cv::imencode(ext, as_mat(image), out)) throw ParamError("cannot encode as " + ext);
    } catch (const cv::Exception& e) {
      throw ParamError("encode type '" + type + "': OpenCV cannot write it (" + e.what() + ")");
    }
    d.encoded = true;
    d.data.assign(out.begin(), out.end());
    return d;
  }
  d.channels = image.channels();
  d.height = image.height();
  d.width = image.width();
  d.data.resize(size_t(d.channels * d.height * d.width));
  for (int64_t y = 0; y < d.height; ++y)
    for (int64_t x = 0; x < d.width; ++x)
      for (int64_t c = 0; c < d.channels; ++c)
        d.data[size_t((c * d.height + y) * d.width + x)] = image.row(y)[x * d.channels + c];
  return d;
}

}  // namespace svertka
