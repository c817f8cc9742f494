#include "core/sampling/few_step_schedule.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

constexpr int64_t kTableSize = 1000;

std::vector<double> effective_steps(const FewStepOptions& options) {
  auto steps = options.steps;
  if (!steps.empty() && steps.back() == 0) steps.pop_back();
  if (steps.empty()) throw std::runtime_error("denoising_steps: the step list is empty");
  for (const double s : steps) {
    if (!(s > 0 && s <= kTableSize))
      throw std::runtime_error("denoising_steps: " + std::to_string(s) + " is outside (0, 1000]");
  }
  return steps;
}

double nearest_sigma(const torch::Tensor& table_t, const torch::Tensor& sigmas, double t) {
  const auto distance = (table_t.to(torch::kFloat64) - t).abs();
  return sigmas[distance.argmin().item<int64_t>()].item<double>();
}

}  // namespace

torch::Tensor flow_training_sigmas(double shift) {
  const auto u = torch::linspace(1.0, 0.0, kTableSize + 1, torch::kFloat32).slice(0, 0, kTableSize);
  const auto s = static_cast<float>(shift);
  return s * u / (1 + (s - 1) * u);
}

FewStepSchedule few_step_schedule(const FewStepOptions& options) {
  const auto sigmas = flow_training_sigmas(options.shift);
  const auto table_t = sigmas * 1000.0f;
  const auto warped = torch::cat({table_t, torch::zeros({1})});
  FewStepSchedule schedule;
  for (const double s : effective_steps(options)) {
    const double t = options.warp ? warped[kTableSize - static_cast<int64_t>(s)].item<double>()
                                  : static_cast<double>(static_cast<float>(s));
    schedule.timesteps.push_back(t);
    schedule.sigmas.push_back(ditstream::nearest_sigma(table_t, sigmas, t));
  }
  return schedule;
}

torch::Tensor x0_from_flow(const torch::Tensor& x, const torch::Tensor& v, double sigma) {
  const auto x64 = x.to(torch::kFloat64), v64 = v.to(x.device(), torch::kFloat64);
  return (x64 - sigma * v64).to(x.scalar_type());
}

torch::Tensor renoise_to(const torch::Tensor& x0, const torch::Tensor& eps, double sigma) {
  const auto s = static_cast<float>(sigma);
  return (1.0f - s) * x0 + s * eps.to(x0.device(), x0.scalar_type());
}

}  // namespace ditstream
