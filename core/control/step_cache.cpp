#include "core/control/step_cache.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {

FirstBlockCache::FirstBlockCache(double threshold) : threshold_(threshold) {
  if (!(threshold > 0.0)) throw std::invalid_argument("step cache: threshold must be > 0");
}

torch::Tensor FirstBlockCache::reuse(const torch::Tensor& input, const torch::Tensor& first) {
  if (!first_residual_.defined() || !first_residual_.sizes().equals(first.sizes())) return {};
  const auto residual = (first - input).to(torch::kFloat);
  const auto change = (residual - first_residual_).abs().mean() / first_residual_.abs().mean();
  last_change_ = change.item<double>();
  if (last_change_ >= threshold_) return {};
  ++hits_;
  return rest_residual_.to(first.scalar_type());
}

void FirstBlockCache::store(const torch::Tensor& input, const torch::Tensor& first,
                            const torch::Tensor& rest) {
  first_residual_ = (first - input).to(torch::kFloat);
  rest_residual_ = rest.to(torch::kFloat);
}

}  // namespace ditstream
