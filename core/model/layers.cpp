#include "core/model/layers.h"

#include <torch/nn/functional.h>

namespace ditstream {
namespace F = torch::nn::functional;

Linear::Linear(int64_t in, int64_t out, bool has_bias, const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({out, in}, options), false);
  if (has_bias) bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor Linear::forward(const torch::Tensor& x) const {
  return torch::nn::functional::linear(x, weight, bias);
}

LayerNorm::LayerNorm(int64_t dim_, double eps_, bool affine, const torch::TensorOptions& options)
    : dim(dim_), eps(eps_) {
  if (!affine) return;
  weight = register_parameter("weight", torch::empty({dim}, options), false);
  bias = register_parameter("bias", torch::empty({dim}, options), false);
}

torch::Tensor LayerNorm::forward(const torch::Tensor& x) const {
  return torch::layer_norm(x, {dim}, weight, bias, eps);
}

GroupNorm::GroupNorm(int64_t groups_, int64_t channels, double eps_,
                     const torch::TensorOptions& options)
    : groups(groups_), eps(eps_) {
  weight = register_parameter("weight", torch::empty({channels}, options), false);
  bias = register_parameter("bias", torch::empty({channels}, options), false);
}

torch::Tensor GroupNorm::forward(const torch::Tensor& x) const {
  return torch::group_norm(x, groups, weight, bias, eps);
}

Conv::Conv(int64_t in, int64_t out, std::vector<int64_t> kernel, std::vector<int64_t> stride_,
           std::vector<int64_t> padding_, bool has_bias, const torch::TensorOptions& options)
    : stride(std::move(stride_)), padding(std::move(padding_)) {
  std::vector<int64_t> shape{out, in};
  shape.insert(shape.end(), kernel.begin(), kernel.end());
  weight = register_parameter("weight", torch::empty(shape, options), false);
  if (has_bias) bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor Conv::forward(const torch::Tensor& x) const {
  if (weight.dim() == 4) return torch::conv2d(x, weight, bias, stride, padding);
  return torch::conv3d(x, weight, bias, stride, padding);
}

}  // namespace ditstream
