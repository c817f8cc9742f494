#include "core/model/layers.h"

#include <ATen/Context.h>
#include <ATen/Functions.h>
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

namespace {

// libtorch 1.13 sends every CPU Conv3d to slow_conv3d (vol2col + GEMM) although it uses oneDNN
// for Conv2d; oneDNN's 3-D kernel is 20-60x faster on the project's CPUs (VAE decode).
bool onednn_conv3d(const torch::Tensor& x, const torch::Tensor& weight) {
  return x.dim() == 5 && x.device().is_cpu() && x.scalar_type() == torch::kFloat &&
         weight.scalar_type() == torch::kFloat && at::hasMKLDNN() &&
         at::globalContext().userEnabledMkldnn();
}

}  // namespace

torch::Tensor Conv::forward(const torch::Tensor& x) const {
  if (weight.dim() == 4) return torch::conv2d(x, weight, bias, stride, padding);
  if (onednn_conv3d(x, weight)) {
    // Named vectors, not braced lists: torch 2's SymInt overloads must not become candidates.
    const std::vector<int64_t> dilation{1, 1, 1};
    return at::mkldnn_convolution(x.contiguous(), weight, bias, padding, stride, dilation, 1);
  }
  return torch::conv3d(x, weight, bias, stride, padding);
}

}  // namespace ditstream
