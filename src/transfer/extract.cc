#include "svertka/transfer/extract.h"

#include "svertka/blob_names.h"
#include "svertka/error.h"

namespace svertka {

void fill_extract_view(const BatchSource& data, std::span<const int64_t> indices, Tensor& images,
                       Tensor& labels) {
  data.fill(indices, /*augment=*/false, 0, 0, images, labels);
}

void extract_features(Net& net, const BatchSource& data, const std::string& blob,
                      FeatureWriter& out,
                      const std::function<void(int64_t, int64_t)>& progress) {
  if (!net.has_blob(blob)) throw NotFoundError("net '" + net.name() + "' has no blob '" + blob + "'");
  Tensor& images = net.input(kDataBlob);
  // The samples' own labels go to the file; the net's accuracy layers see class 0, since the data
  // may have more classes than the net was trained on.
  net.input(kLabelBlob).fill(0);
  const int64_t batch = images.dim(0), total = data.size();
  Tensor labels(Shape{batch});
  std::vector<int64_t> indices(static_cast<size_t>(batch));
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    for (int64_t i = 0; i < batch; ++i) indices[size_t(i)] = begin + std::min(i, count - 1);
    fill_extract_view(data, indices, images, labels);
    net.forward();
    out.append(net.blob(blob).data(), labels.data(), count);
    if (progress) progress(begin + count, total);
  }
}

}  // namespace svertka
