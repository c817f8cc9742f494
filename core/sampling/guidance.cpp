#include "core/sampling/guidance.h"

#include <torch/torch.h>

#include <cmath>

namespace ditstream {
namespace {

double wave(double exponent, double t, int64_t num_steps) {
  const double n = static_cast<double>(num_steps);
  return std::cos(M_PI * std::pow((n - t) / n, exponent));
}

}  // namespace

double guidance_scale(double scale, bool dynamic, double t, int64_t num_steps) {
  if (!dynamic) return scale;
  return 1.0 + scale * ((1.0 - wave(5.0, t, num_steps)) / 2.0);
}

double ditctrl_guidance_scale(double scale, double exponent, double t, int64_t num_steps) {
  return 1.0 + scale * (1.0 - wave(exponent, t, num_steps)) / 2.0;
}

torch::Tensor apply_guidance(const torch::Tensor& uncond, const torch::Tensor& cond, double scale) {
  const auto u = uncond.to(torch::kFloat32);
  return u + scale * (cond.to(torch::kFloat32) - u);
}

}  // namespace ditstream
