#pragma once
// DiTCtrl's VP-SDE DPM-Solver++(2M) sampler (ditctrl-spec §2.5-2.6): its own 50-subset zero-SNR
// rescale of sqrt(alpha_bar), an x0 denoiser on the nearest full-table alpha, and a stochastic
// second-order update whose last step returns x0.

#include "core/sampling/sampler.h"

#include <vector>

namespace ditstream {

class DpmPp2mSdeSampler : public Sampler {
 public:
  DpmPp2mSdeSampler(const NoiseSchedule& schedule, int64_t num_steps, NoiseFn noise);

  // a_0 .. a_N: sqrt(alpha_bar) per step, a_0 = 0 (t = T-1) and a_N = 1 appended.
  const std::vector<double>& sampler_alphas() const { return alphas_; }
  // Per step: the full-table sqrt(alpha_bar) nearest to a_i, used for x0 = A x - sqrt(1-A^2) v.
  const std::vector<double>& denoiser_alphas() const { return denoiser_alphas_; }

  VParametrisation parametrisation(int64_t step_index) const override;

 private:
  torch::Tensor do_step(const torch::Tensor& model_output, int64_t step_index,
                        const torch::Tensor& sample) override;
  void do_reset() override { old_denoised_ = torch::Tensor(); }

  std::vector<double> alphas_, denoiser_alphas_;
  NoiseFn noise_;
  torch::Tensor old_denoised_;
};

// DiTCtrl's timesteps in sampling order (T-1 first): int(linspace(T-1, 0, N, endpoint=False)).
std::vector<int64_t> ditctrl_timesteps(int64_t num_train_timesteps, int64_t num_steps);

}  // namespace ditstream
