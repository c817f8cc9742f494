#include "core/sampling/dpm_sampler.h"

#include <torch/torch.h>

#include <cmath>

namespace ditstream {
namespace {

// log sqrt(a / (1 - a)); -inf at a = 0 and +inf at a = 1 are intended (IEEE, no clamping).
double half_log_snr(double alpha_bar) { return std::log(std::sqrt(alpha_bar / (1.0 - alpha_bar))); }

}  // namespace

DpmSampler::DpmSampler(const NoiseSchedule& schedule, int64_t num_steps, NoiseFn noise)
    : Sampler(schedule.timesteps(num_steps)),
      schedule_(schedule),
      num_train_steps_(num_steps),
      noise_(std::move(noise)) {}

VParametrisation DpmSampler::parametrisation(int64_t step_index) const {
  const double alpha_t = schedule_.alpha_bar(discrete_timestep(step_index));
  return {std::sqrt(alpha_t), std::sqrt(1.0 - alpha_t)};
}

torch::Tensor DpmSampler::do_step(const torch::Tensor& model_output, int64_t step_index,
                                  const torch::Tensor& sample) {
  const int64_t t = discrete_timestep(step_index);
  const int64_t prev_t = schedule_.prev_timestep(t, num_train_steps_);
  const double alpha_t = schedule_.alpha_bar(t);
  const double alpha_prev = schedule_.alpha_bar(prev_t);
  const auto p = parametrisation(step_index);
  pred_original_ =
      schedule_scalar(p.sample_scale) * sample - schedule_scalar(p.output_scale) * model_output;

  const double lambda = half_log_snr(alpha_t);
  const double h = half_log_snr(alpha_prev) - lambda;
  const auto m1 = schedule_scalar(std::sqrt((1.0 - alpha_prev) / (1.0 - alpha_t)) * std::exp(-h));
  const auto m2 = schedule_scalar(std::expm1(-2.0 * h) * std::sqrt(alpha_prev));
  const auto m_noise =
      schedule_scalar(std::sqrt(1.0 - alpha_prev) * std::sqrt(1.0 - std::exp(-2.0 * h)));

  // The reference always draws once, and draws again when the second-order branch runs.
  auto previous = m1 * sample - m2 * pred_original_ + m_noise * noise_(sample);
  if (old_pred_original_.defined() && prev_t >= 0) {
    const double lambda_back = half_log_snr(schedule_.alpha_bar(discrete_timestep(step_index - 1)));
    const double r = (lambda - lambda_back) / h;
    const auto denoised = schedule_scalar(1.0 + 1.0 / (2.0 * r)) * pred_original_ -
                          schedule_scalar(1.0 / (2.0 * r)) * old_pred_original_;
    previous = m1 * sample - m2 * denoised + m_noise * noise_(sample);
  }
  old_pred_original_ = pred_original_;
  return previous;
}

}  // namespace ditstream
