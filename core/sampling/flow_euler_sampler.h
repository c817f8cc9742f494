#pragma once
// FlowMatchEulerDiscreteScheduler.step: x' = x + (σ' − σ)·v, deterministic.

#include "core/sampling/flow_schedule.h"
#include "core/sampling/sampler.h"

#include <vector>

namespace ditstream {

class FlowEulerSampler : public Sampler {
 public:
  explicit FlowEulerSampler(FlowSchedule schedule);

  const std::vector<float>& sigmas() const { return sigmas_; }
  VParametrisation parametrisation(int64_t step_index) const override;
  NoiseLevel noise_level(int64_t step_index) const override;

 private:
  torch::Tensor do_step(const torch::Tensor& model_output, int64_t step_index,
                        const torch::Tensor& sample) override;

  std::vector<float> sigmas_;
};

}  // namespace ditstream
