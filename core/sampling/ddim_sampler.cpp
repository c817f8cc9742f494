#include "core/sampling/ddim_sampler.h"

#include <torch/torch.h>

#include <cmath>

namespace ditstream {

DdimSampler::DdimSampler(const NoiseSchedule& schedule, int64_t num_steps)
    : Sampler(schedule.timesteps(num_steps)), schedule_(schedule), num_train_steps_(num_steps) {}

VParametrisation DdimSampler::parametrisation(int64_t step_index) const {
  const double alpha_t = schedule_.alpha_bar(discrete_timestep(step_index));
  return {std::sqrt(alpha_t), std::sqrt(1.0 - alpha_t)};
}

// Coefficients are fp64; each product keeps the operand's dtype (a half latent times a scalar
// stays half, a fp32 model output makes the sums fp32), as in the reference (§6.4).
torch::Tensor DdimSampler::do_step(const torch::Tensor& model_output, int64_t step_index,
                                   const torch::Tensor& sample) {
  const int64_t t = discrete_timestep(step_index);
  const double alpha_t = schedule_.alpha_bar(t);
  const double alpha_prev = schedule_.alpha_bar(schedule_.prev_timestep(t, num_train_steps_));
  const auto p = parametrisation(step_index);
  pred_original_ =
      schedule_scalar(p.sample_scale) * sample - schedule_scalar(p.output_scale) * model_output;
  const double c_sample = std::sqrt((1.0 - alpha_prev) / (1.0 - alpha_t));
  const double c_x0 = std::sqrt(alpha_prev) - std::sqrt(alpha_t) * c_sample;
  return schedule_scalar(c_sample) * sample + schedule_scalar(c_x0) * pred_original_;
}

}  // namespace ditstream
