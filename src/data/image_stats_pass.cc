#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <thread>
#include <utility>

#include "data/image_cv.h"
#include "svertka/data/image_decode.h"
#include "svertka/data/image_stats.h"
#include "svertka/error.h"

namespace svertka {

Image stats_view(const Image& bgr, ResizeMode resize, int64_t size) {
  ImageTransformOptions t;
  t.resize = resize;
  const auto [height, width] = resized_size(t, bgr.height(), bgr.width(), size);
  Image resized = bgr;
  if (height != bgr.height() || width != bgr.width()) {
    cv::Mat out;
    cv::resize(as_mat(bgr), out, cv::Size(int(width), int(height)), 0, 0,
               height <= bgr.height() && width <= bgr.width() ? cv::INTER_AREA : cv::INTER_LINEAR);
    resized = from_mat(std::move(out));
  }
  return resized.region((height - size) / 2, (width - size) / 2, size, size);
}

namespace {

// The error to report for `e`, thrown reading `entry`: a DataError (or a standard exception) names
// where the image was listed; another svertka error (a bad option) stays as it is.
std::exception_ptr image_error(const std::exception& e, const ImageEntry& entry) {
  const std::string where = " (listed at " + entry.origin + ")";
  if (dynamic_cast<const DataError*>(&e))
    return std::make_exception_ptr(DataError(std::string(e.what()) + where));
  if (dynamic_cast<const Error*>(&e)) return std::current_exception();
  return std::make_exception_ptr(DataError("image '" + entry.path + "': " + e.what() + where));
}

}  // namespace

ImageStatsResult compute_image_stats(const ImageList& list, const ImageStatsOptions& options,
                                     const std::function<void(int64_t, int64_t)>& progress) {
  if (options.size <= 0 || options.workers <= 0)
    throw ParamError("image statistics: size and workers must be positive");
  const int64_t total = list.size();
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr first_error;
  int64_t first_error_index = total;
  std::vector<std::string> skipped;
  std::vector<ImageStatsAccumulator> sums(size_t(options.workers),
                                          ImageStatsAccumulator(options.size, options.size));
  auto work = [&](ImageStatsAccumulator& acc) {
    for (int64_t i; !failed && (i = next++) < total; ++done) {
      const ImageEntry& entry = list.entries[size_t(i)];
      try {
        const Image image =
            decode_image(read_file_bytes(entry.path), entry.path, options.size, options.size);
        acc.add(stats_view(image, options.resize, options.size));
      } catch (const std::exception& e) {  // any failure of this one image
        std::lock_guard<std::mutex> lock(mutex);
        if (options.skip_bad) {
          skipped.push_back(e.what());
        } else if (i < first_error_index) {
          first_error_index = i;
          first_error = image_error(e, entry);
          failed = true;
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (i < first_error_index) first_error_index = i, first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < options.workers; ++w) threads.emplace_back(work, std::ref(sums[size_t(w)]));
  while (done < total && !failed) {
    if (progress) progress(done, total);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::thread& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
  if (progress) progress(total, total);
  for (int w = 1; w < options.workers; ++w) sums[0].merge(sums[size_t(w)]);
  if (sums[0].images() == 0)
    throw DataError("image statistics: none of the " + std::to_string(total) + " images of '" +
                    list.source + "' could be decoded");
  std::sort(skipped.begin(), skipped.end());
  return {finish_stats(sums[0]), std::move(skipped)};
}

}  // namespace svertka
