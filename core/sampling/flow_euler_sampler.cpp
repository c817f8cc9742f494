#include "core/sampling/flow_euler_sampler.h"

#include <torch/torch.h>

namespace ditstream {

FlowEulerSampler::FlowEulerSampler(FlowSchedule schedule)
    : Sampler(std::move(schedule.timesteps)), sigmas_(std::move(schedule.sigmas)) {}

VParametrisation FlowEulerSampler::parametrisation(int64_t step_index) const {
  return {1.0, sigmas_.at(static_cast<size_t>(step_index))};
}

NoiseLevel FlowEulerSampler::noise_level(int64_t step_index) const {
  const double sigma = sigmas_.at(static_cast<size_t>(step_index));
  return {1.0 - sigma, sigma};
}

// The reference upcasts the sample to fp32, takes σ' − σ in fp32 and returns model_output's dtype.
torch::Tensor FlowEulerSampler::do_step(const torch::Tensor& model_output, int64_t step_index,
                                        const torch::Tensor& sample) {
  pred_original_ = to_x0(model_output, step_index, sample);
  const float delta = sigmas_[step_index + 1] - sigmas_[step_index];
  const auto work = torch::promote_types(sample.scalar_type(), torch::kFloat);
  const auto previous = sample.to(work) + ditstream::schedule_scalar(delta) * model_output;
  return previous.to(model_output.scalar_type());
}

}  // namespace ditstream
