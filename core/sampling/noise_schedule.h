#pragma once
// The CogVideoX training noise schedule in fp64 (cogvideox-spec §6.1-6.2): scaled-linear betas,
// alphas_cumprod with the SNR shift, then the zero-terminal-SNR rescale; "trailing" timesteps.

#include "core/sampling/scheduler_config.h"

#include <cstdint>
#include <vector>

namespace ditstream {

class NoiseSchedule {
 public:
  explicit NoiseSchedule(const SchedulerConfig& config);

  const SchedulerConfig& config() const { return config_; }
  int64_t num_train_timesteps() const { return config_.num_train_timesteps; }
  const std::vector<double>& betas() const { return betas_; }
  // After the SNR shift, before the zero-terminal-SNR rescale (DiTCtrl rescales subsets of it).
  const std::vector<double>& shifted_alphas_cumprod() const { return shifted_; }
  const std::vector<double>& alphas_cumprod() const { return alphas_cumprod_; }
  double final_alpha_cumprod() const { return final_alpha_cumprod_; }

  // Descending: round_half_even(arange(T, 0, -T/N)) - 1, as numpy computes it.
  std::vector<int64_t> timesteps(int64_t num_steps) const;
  // t - T // N (not the next list entry; differs when N does not divide T).
  int64_t prev_timestep(int64_t t, int64_t num_steps) const;
  // alphas_cumprod[t]; final_alpha_cumprod for t < 0.
  double alpha_bar(int64_t t) const;

 private:
  SchedulerConfig config_;
  std::vector<double> betas_, shifted_, alphas_cumprod_;
  double final_alpha_cumprod_ = 1.0;
};

// r <- (r - r_last) * (r_first / (r_first - r_last)), in diffusers' operation order.
std::vector<double> rescale_zero_terminal(std::vector<double> sqrt_alphas);

}  // namespace ditstream
