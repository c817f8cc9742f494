#pragma once
// Base fixture of the gpu tests: skips without a CUDA device and turns TF32 off, which would
// change fp32 results by ~1e-3 relative.

#include <ATen/Context.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

namespace ditstream::testing {

template <typename Base = ::testing::Test>
class CudaTest : public Base {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device in this libtorch/machine";
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
  }
};

}  // namespace ditstream::testing
