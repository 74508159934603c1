// The largest relative difference between two tensors of the same size, as the backend
// comparisons judge kernels: an element's error is |a - e| / max(|e|, rms(e)), so values near zero
// are judged against the tensor's typical magnitude (a long float sum that cancels to ~0 carries
// absolute, not relative, rounding error). Infinite when the sizes differ or a non-finite value
// differs. Needs only the core: the GPU check links it too (tools/gpu_check).
#pragma once

#include "svertka/tensor.h"

namespace svertka::testing {

double max_relative_error(const Tensor& actual, const Tensor& expected);

// |actual - expected| / |expected| over all elements, in double: for whole-net gradients, where a
// few flipped ReLUs or max-pooling choices move single elements far (tools/gpu_check, nets).
double normwise_relative_error(const Tensor& actual, const Tensor& expected);

}  // namespace svertka::testing
