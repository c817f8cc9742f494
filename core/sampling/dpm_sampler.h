#pragma once
// CogVideoXDPMScheduler.step as CogVideoXPipeline calls it (cogvideox-spec §6.6): the previous
// x0 and the previous timestep (timestep_back) are fed back; stochastic.

#include "core/sampling/sampler.h"

namespace ditstream {

class DpmSampler : public Sampler {
 public:
  DpmSampler(const NoiseSchedule& schedule, int64_t num_steps, NoiseFn noise);

  VParametrisation parametrisation(int64_t step_index) const override;

 private:
  torch::Tensor do_step(const torch::Tensor& model_output, int64_t step_index,
                        const torch::Tensor& sample) override;
  void do_reset() override { old_pred_original_ = torch::Tensor(); }

  NoiseSchedule schedule_;  // a copy: samplers may outlive the caller's schedule
  int64_t num_train_steps_;
  NoiseFn noise_;
  torch::Tensor old_pred_original_;
};

}  // namespace ditstream
