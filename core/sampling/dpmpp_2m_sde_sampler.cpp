#include "core/sampling/dpmpp_2m_sde_sampler.h"

#include <torch/torch.h>

#include <cmath>

namespace ditstream {
namespace {

std::vector<double> sqrt_all(const std::vector<double>& values) {
  std::vector<double> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = std::sqrt(values[i]);
  return out;
}

// sqrt(alpha_bar) at the sampler's timesteps, rescaled with the subset's own endpoints.
std::vector<double> subset_alphas(const NoiseSchedule& schedule,
                                  const std::vector<int64_t>& timesteps) {
  std::vector<double> a;
  for (auto t = timesteps.rbegin(); t != timesteps.rend(); ++t)
    a.push_back(std::sqrt(schedule.shifted_alphas_cumprod()[*t]));
  if (schedule.config().rescale_betas_zero_snr && a.size() > 1) a = rescale_zero_terminal(a);
  std::vector<double> descending(a.rbegin(), a.rend());
  descending.push_back(1.0);
  return descending;
}

double nearest(const std::vector<double>& table, double value) {
  size_t best = 0;
  for (size_t j = 1; j < table.size(); ++j)
    if (std::abs(table[j] - value) < std::abs(table[best] - value)) best = j;
  return table[best];
}

}  // namespace

std::vector<int64_t> ditctrl_timesteps(int64_t num_train_timesteps, int64_t num_steps) {
  if (num_steps < 2 || num_steps > num_train_timesteps) {
    throw std::runtime_error("dpmpp-2m-sde: num_steps = " + std::to_string(num_steps) +
                             " must be in [2, " + std::to_string(num_train_timesteps) + "]");
  }
  // numpy linspace: k * ((stop - start) / num) + start, truncated by astype(int).
  const double start = static_cast<double>(num_train_timesteps - 1);
  const double step = (0.0 - start) / static_cast<double>(num_steps);
  std::vector<int64_t> out(num_steps);
  for (int64_t k = 0; k < num_steps; ++k)
    out[k] = static_cast<int64_t>(static_cast<double>(k) * step + start);
  return out;
}

DpmPp2mSdeSampler::DpmPp2mSdeSampler(const NoiseSchedule& schedule, int64_t num_steps,
                                     NoiseFn noise)
    : Sampler(ditctrl_timesteps(schedule.num_train_timesteps(), num_steps)),
      alphas_(
          subset_alphas(schedule, ditctrl_timesteps(schedule.num_train_timesteps(), num_steps))),
      noise_(std::move(noise)) {
  auto table = sqrt_all(schedule.shifted_alphas_cumprod());
  if (schedule.config().rescale_betas_zero_snr) table = rescale_zero_terminal(table);
  for (int64_t i = 0; i < num_steps; ++i) denoiser_alphas_.push_back(nearest(table, alphas_[i]));
}

VParametrisation DpmPp2mSdeSampler::parametrisation(int64_t step_index) const {
  const double a_q = denoiser_alphas_.at(static_cast<size_t>(step_index));
  return {a_q, std::sqrt(1.0 - a_q * a_q)};
}

// Sampler math in fp32 (fp64 states stay fp64); IEEE infinities at i = 0 (a_0 = 0, h = inf) and
// i = 1 (r = inf) are intended and give the first-order limits.
torch::Tensor DpmPp2mSdeSampler::do_step(const torch::Tensor& model_output, int64_t step_index,
                                         const torch::Tensor& sample) {
  const auto work = sample.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  const auto x = sample.to(work);
  const auto p = parametrisation(step_index);
  const auto denoised =
      schedule_scalar(p.sample_scale) * x - schedule_scalar(p.output_scale) * model_output.to(work);
  pred_original_ = denoised;
  if (step_index == num_steps() - 1) return denoised;

  const auto sigma = [this](int64_t j) { return std::sqrt(1.0 - alphas_[j] * alphas_[j]); };
  const auto lambda = [&](int64_t j) { return std::log(alphas_[j] / sigma(j)); };
  const int64_t i = step_index;
  const double h = lambda(i + 1) - lambda(i);
  const double m1 = sigma(i + 1) / sigma(i) * std::exp(-h);
  const double m2 = alphas_[i + 1] * (std::exp(-2.0 * h) - 1.0);
  const double m_noise = sigma(i + 1) * std::sqrt(1.0 - std::exp(-2.0 * h));

  auto target = denoised;
  if (i > 0) {
    const double r = (lambda(i) - lambda(i - 1)) / h;
    target = schedule_scalar(1.0 + 1.0 / (2.0 * r)) * denoised -
             schedule_scalar(1.0 / (2.0 * r)) * old_denoised_;
    noise_(x);  // the reference's discarded first-order proposal consumes one draw
  }
  old_denoised_ = denoised;
  return schedule_scalar(m1) * x - schedule_scalar(m2) * target +
         schedule_scalar(m_noise) * noise_(x);
}

}  // namespace ditstream
