// Between svertka's Image and OpenCV's cv::Mat, for the implementation files that work with
// OpenCV (the public headers name no OpenCV type). Neither direction copies pixels.
#pragma once

#include <opencv2/core/mat.hpp>

#include "svertka/data/image.h"

namespace svertka {

// A header over the image's pixels (CV_8UC1 or CV_8UC3, its stride): it does not own them, so the
// image must outlive it (hence no overload for a temporary).
cv::Mat as_mat(const Image& image);
cv::Mat as_mat(Image&&) = delete;

// The Mat's pixels as an Image that keeps its buffer alive; a region keeps its parent's stride.
// An empty Mat gives an empty Image; ShapeError for a type other than CV_8UC1 or CV_8UC3.
Image from_mat(cv::Mat mat);

}  // namespace svertka
