#include "core/sampling/noise_schedule.h"

#include <torch/torch.h>

#include <cfenv>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

// torch.linspace(sqrt(b0), sqrt(b1), T, dtype=float64) ** 2, bit-equal to the reference.
std::vector<double> scaled_linear_betas(const SchedulerConfig& c) {
  const auto betas = torch::linspace(std::sqrt(c.beta_start), std::sqrt(c.beta_end),
                                     c.num_train_timesteps, torch::kFloat64)
                         .pow(2)
                         .contiguous();
  return {betas.data_ptr<double>(), betas.data_ptr<double>() + betas.numel()};
}

std::vector<double> shifted_cumprod(const std::vector<double>& betas, double shift) {
  std::vector<double> out(betas.size());
  double product = 1.0;
  for (size_t i = 0; i < betas.size(); ++i) {
    product *= 1.0 - betas[i];
    out[i] = product / (shift + (1.0 - shift) * product);
  }
  return out;
}

std::vector<double> squared_sqrt_rescale(const std::vector<double>& alphas) {
  std::vector<double> r(alphas.size());
  for (size_t i = 0; i < alphas.size(); ++i) r[i] = std::sqrt(alphas[i]);
  r = rescale_zero_terminal(std::move(r));
  for (double& v : r) v = v * v;
  return r;
}

}  // namespace

std::vector<double> rescale_zero_terminal(std::vector<double> r) {
  const double first = r.front(), last = r.back();
  const double factor = first / (first - last);
  for (double& v : r) v = (v - last) * factor;
  return r;
}

NoiseSchedule::NoiseSchedule(const SchedulerConfig& config) : config_(config) {
  config_.validate("SchedulerConfig");
  betas_ = scaled_linear_betas(config_);
  shifted_ = shifted_cumprod(betas_, config_.snr_shift_scale);
  alphas_cumprod_ = config_.rescale_betas_zero_snr ? squared_sqrt_rescale(shifted_) : shifted_;
  final_alpha_cumprod_ = config_.set_alpha_to_one ? 1.0 : alphas_cumprod_.front();
}

std::vector<int64_t> NoiseSchedule::timesteps(int64_t num_steps) const {
  const int64_t total = num_train_timesteps();
  if (num_steps < 1 || num_steps > total) {
    throw std::runtime_error("num_inference_steps = " + std::to_string(num_steps) +
                             " must be in [1, " + std::to_string(total) + "]");
  }
  // numpy arange(start, 0, step): length ceil(-start/step), values start + i*(x1 - start).
  const double start = static_cast<double>(total);
  const double step = -(start / static_cast<double>(num_steps));
  const auto length = static_cast<int64_t>(std::ceil((0.0 - start) / step));
  if (length != num_steps) {
    throw std::runtime_error("num_inference_steps = " + std::to_string(num_steps) +
                             " is not supported: numpy's trailing spacing yields " +
                             std::to_string(length) + " timesteps for it");
  }
  const double delta = (start + step) - start;
  std::vector<int64_t> out(num_steps);
  const int saved_rounding = std::fegetround();
  std::fesetround(FE_TONEAREST);
  for (int64_t i = 0; i < num_steps; ++i) {
    const double value = i == 0   ? start
                         : i == 1 ? start + step
                                  : start + static_cast<double>(i) * delta;
    out[i] = static_cast<int64_t>(std::nearbyint(value)) - 1;
  }
  std::fesetround(saved_rounding);
  return out;
}

int64_t NoiseSchedule::prev_timestep(int64_t t, int64_t num_steps) const {
  return t - num_train_timesteps() / num_steps;
}

double NoiseSchedule::alpha_bar(int64_t t) const {
  if (t < 0) return final_alpha_cumprod_;
  if (t >= num_train_timesteps()) {
    throw std::runtime_error("timestep " + std::to_string(t) + " is outside the schedule [0, " +
                             std::to_string(num_train_timesteps()) + ")");
  }
  return alphas_cumprod_[t];
}

}  // namespace ditstream
