// Caffe Datum records (an LMDB's values): parsed, and when they parse, their pixels run through a
// transform of their own size (crop and mean), as LmdbBatchSource does.
#include <vector>

#include "fuzz_support.h"
#include "svertka/data/caffe_datum.h"
#include "svertka/data/caffe_transform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  fuzz::expect_only_errors([&] {
    const Datum d = parse_datum({data, size}, "fuzz key 'k'");
    (void)parse_datum_label({data, size}, "fuzz key 'k'");
    if (d.encoded) return;
    const CaffeTransform t{.scale = 0.5f, .crop_size = d.height > 1 && d.width > 1 ? 1 : 0,
                           .mean_value = {1}};
    const Shape out = t.output_shape(d.channels, d.height, d.width, "fuzz");
    std::vector<float> pixels(static_cast<size_t>(out.numel()));
    const CaffeTransform::Draw draw = t.draw(d.height, d.width, true, 1, 0, 0);
    if (d.float_data.empty())
      t.apply(d.data.data(), d.channels, d.height, d.width, draw, pixels.data());
    else
      t.apply(d.float_data.data(), d.channels, d.height, d.width, draw, pixels.data());
  });
  return 0;
}
