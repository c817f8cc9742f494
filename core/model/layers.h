#pragma once
// Parameter holders named like PyTorch's layers, so module paths equal checkpoint keys.
// Parameters are allocated uninitialised with the given options (device may be meta): weights
// always come from a checkpoint or from make-tiny's seeded initialiser.

#include <torch/nn/module.h>
#include <torch/types.h>

#include <vector>

namespace ditstream {

class Linear : public torch::nn::Module {
 public:
  Linear(int64_t in, int64_t out, bool bias, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::Tensor weight, bias;  // (out, in), (out) or undefined
};

class LayerNorm : public torch::nn::Module {
 public:
  LayerNorm(int64_t dim, double eps, bool affine, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::Tensor weight, bias;
  int64_t dim;
  double eps;
};

class GroupNorm : public torch::nn::Module {
 public:
  GroupNorm(int64_t groups, int64_t channels, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::Tensor weight, bias;
  int64_t groups;
  double eps;
};

// Conv with `dims` spatial dimensions (2 or 3), stride 1 unless given, symmetric zero padding.
class Conv : public torch::nn::Module {
 public:
  Conv(int64_t in, int64_t out, std::vector<int64_t> kernel, std::vector<int64_t> stride,
       std::vector<int64_t> padding, bool bias, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::Tensor weight, bias;
  std::vector<int64_t> stride, padding;
};

// A parameterless slot, so a ModuleList keeps PyTorch's indices (e.g. ff.net.1 = Dropout).
class Placeholder : public torch::nn::Module {};

}  // namespace ditstream
