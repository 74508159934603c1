// Owners of cuDNN's descriptors: each made once per kernel and shape, destroyed with the kernel.
#pragma once

#include <cudnn.h>

#include <cstdint>

#include "backends/cuda/cuda_check.h"

namespace svertka::cuda {

// A dense fp32 NCHW tensor.
class TensorDescriptor {
 public:
  TensorDescriptor(int64_t n, int64_t c, int64_t h, int64_t w) {
    SVERTKA_CUDA_CHECK(cudnnCreateTensorDescriptor(&desc_));
    SVERTKA_CUDA_CHECK(cudnnSetTensor4dDescriptor(desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                                  int(n), int(c), int(h), int(w)));
  }
  ~TensorDescriptor() { (void)cudnnDestroyTensorDescriptor(desc_); }
  TensorDescriptor(const TensorDescriptor&) = delete;
  TensorDescriptor& operator=(const TensorDescriptor&) = delete;
  cudnnTensorDescriptor_t get() const { return desc_; }

 private:
  cudnnTensorDescriptor_t desc_ = nullptr;
};

// Filters (O, C/G, KH, KW), fp32.
class FilterDescriptor {
 public:
  FilterDescriptor(int64_t o, int64_t c, int64_t kh, int64_t kw) {
    SVERTKA_CUDA_CHECK(cudnnCreateFilterDescriptor(&desc_));
    SVERTKA_CUDA_CHECK(cudnnSetFilter4dDescriptor(desc_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                  int(o), int(c), int(kh), int(kw)));
  }
  ~FilterDescriptor() { (void)cudnnDestroyFilterDescriptor(desc_); }
  FilterDescriptor(const FilterDescriptor&) = delete;
  FilterDescriptor& operator=(const FilterDescriptor&) = delete;
  cudnnFilterDescriptor_t get() const { return desc_; }

 private:
  cudnnFilterDescriptor_t desc_ = nullptr;
};

// A 2-D cross-correlation (what Caffe and PyTorch call convolution), fp32 arithmetic, with
// groups; TF32 tensor cores only when asked.
class ConvolutionDescriptor {
 public:
  ConvolutionDescriptor(int64_t ph, int64_t pw, int64_t sh, int64_t sw, int64_t groups,
                        bool tf32) {
    SVERTKA_CUDA_CHECK(cudnnCreateConvolutionDescriptor(&desc_));
    SVERTKA_CUDA_CHECK(cudnnSetConvolution2dDescriptor(desc_, int(ph), int(pw), int(sh), int(sw),
                                                       1, 1, CUDNN_CROSS_CORRELATION,
                                                       CUDNN_DATA_FLOAT));
    SVERTKA_CUDA_CHECK(cudnnSetConvolutionGroupCount(desc_, int(groups)));
    SVERTKA_CUDA_CHECK(
        cudnnSetConvolutionMathType(desc_, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH));
  }
  ~ConvolutionDescriptor() { (void)cudnnDestroyConvolutionDescriptor(desc_); }
  ConvolutionDescriptor(const ConvolutionDescriptor&) = delete;
  ConvolutionDescriptor& operator=(const ConvolutionDescriptor&) = delete;
  cudnnConvolutionDescriptor_t get() const { return desc_; }

 private:
  cudnnConvolutionDescriptor_t desc_ = nullptr;
};

}  // namespace svertka::cuda
