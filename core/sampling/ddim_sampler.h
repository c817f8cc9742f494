#pragma once
// CogVideoXDDIMScheduler.step with eta = 0 (cogvideox-spec §6.3): deterministic.

#include "core/sampling/sampler.h"

namespace ditstream {

class DdimSampler : public Sampler {
 public:
  DdimSampler(const NoiseSchedule& schedule, int64_t num_steps);

  VParametrisation parametrisation(int64_t step_index) const override;

 private:
  torch::Tensor do_step(const torch::Tensor& model_output, int64_t step_index,
                        const torch::Tensor& sample) override;

  NoiseSchedule schedule_;  // a copy: samplers may outlive the caller's schedule
  int64_t num_train_steps_;
};

}  // namespace ditstream
