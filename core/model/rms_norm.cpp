#include "core/model/rms_norm.h"

#include <torch/torch.h>

namespace ditstream {

RMSNorm::RMSNorm(int64_t dim_, double eps_, const torch::TensorOptions& options)
    : dim(dim_), eps(eps_) {
  weight = register_parameter("weight", torch::empty({dim}, options), false);
}

// Follows torch.nn.RMSNorm's ATen composite (PyTorch >= 2.4), which is also original Wan's
// WanRMSNorm: statistics and normalisation in fp32, cast back to x's dtype, then times weight.
torch::Tensor RMSNorm::forward(const torch::Tensor& x) const {
  const auto x32 = x.to(torch::kFloat32);
  const auto inv_rms = torch::rsqrt(x32.pow(2).mean(-1, true).add_(eps));
  return (x32 * inv_rms).to(x.scalar_type()) * weight;
}

}  // namespace ditstream
