#pragma once
// RMSNorm parameter holder (weight [dim], eps), named like torch.nn.RMSNorm so module paths equal
// checkpoint keys.

#include <torch/nn/module.h>
#include <torch/types.h>

namespace ditstream {

class RMSNorm : public torch::nn::Module {
 public:
  RMSNorm(int64_t dim, double eps, const torch::TensorOptions& options);
  // Normalises over the last dimension; returns x's dtype.
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::Tensor weight;
  int64_t dim;
  double eps;
};

}  // namespace ditstream
