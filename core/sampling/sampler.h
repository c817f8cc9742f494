#pragma once
// Samplers (one trajectory at a time) and the denoising loop. The model is reached only through
// DenoiseFn; nothing here knows about transformers.

#include "core/sampling/noise_schedule.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ditstream {

// Gaussian draws shaped and typed like `like` (tests replay stored draws).
using NoiseFn = std::function<torch::Tensor(const torch::Tensor& like)>;

// Draws on a CPU generator seeded with `seed`, in like's dtype, then moves to like's device
// (diffusers' randn_tensor with a CPU generator).
NoiseFn seeded_noise(uint64_t seed);

// A step's v-parametrisation: x0 = sample_scale * sample - output_scale * model_output.
struct VParametrisation {
  double sample_scale = 1.0;
  double output_scale = 0.0;
};

// A step's forward process: x_t = signal * x0 + noise * eps.
struct NoiseLevel {
  double signal = 1.0;
  double noise = 0.0;
};

class Sampler {
 public:
  virtual ~Sampler() = default;

  // Model timesteps: integers for the discrete schedules, sigma * 1000 for flow matching.
  const std::vector<double>& timesteps() const { return timesteps_; }
  int64_t num_steps() const { return static_cast<int64_t>(timesteps_.size()); }

  // One update. model_output is the (guided) v-prediction at timesteps()[step_index]; steps must
  // come in order 0, 1, ...; step 0 starts a new trajectory. Returns the previous sample.
  torch::Tensor step(const torch::Tensor& model_output, int64_t step_index,
                     const torch::Tensor& sample);
  // x0 prediction of the last step.
  torch::Tensor pred_original() const { return pred_original_; }
  void reset();

  virtual VParametrisation parametrisation(int64_t step_index) const = 0;
  // Between model outputs and x0-predictions at `sample` (at least fp32), e.g. to blend
  // predictions that were made at different samples.
  torch::Tensor to_x0(const torch::Tensor& model_output, int64_t step_index,
                      const torch::Tensor& sample) const;
  torch::Tensor to_model_output(const torch::Tensor& x0, int64_t step_index,
                                const torch::Tensor& sample) const;
  // v-prediction's: sqrt(alpha_bar) and sqrt(1 - alpha_bar), the parametrisation's scales; flow
  // matching samplers return (1 - sigma, sigma).
  virtual NoiseLevel noise_level(int64_t step_index) const;
  // `x0` brought to step `step_index`'s noise level with `noise` (fp32 or wider).
  torch::Tensor noised(const torch::Tensor& x0, const torch::Tensor& noise,
                       int64_t step_index) const;

 protected:
  explicit Sampler(std::vector<double> timesteps) : timesteps_(std::move(timesteps)) {}
  explicit Sampler(const std::vector<int64_t>& discrete)
      : timesteps_(discrete.begin(), discrete.end()) {}
  // A discrete schedule's integer timestep at a step.
  int64_t discrete_timestep(int64_t step_index) const {
    return static_cast<int64_t>(timesteps_.at(static_cast<size_t>(step_index)));
  }
  virtual torch::Tensor do_step(const torch::Tensor& model_output, int64_t step_index,
                                const torch::Tensor& sample) = 0;
  virtual void do_reset() {}

  torch::Tensor pred_original_;

 private:
  std::vector<double> timesteps_;
  int64_t next_step_ = 0;
};

// name: "ddim" | "dpm" | "dpmpp-2m-sde". The stochastic ones ("dpm", "dpmpp-2m-sde") need `noise`.
std::unique_ptr<Sampler> make_sampler(const std::string& name, const NoiseSchedule& schedule,
                                      int64_t num_steps, NoiseFn noise = {});

// 0-dim fp64 CPU tensor. Multiplying a latent by it keeps the latent's dtype (the scalar is
// rounded to that dtype first), exactly like diffusers' fp64 schedule scalars.
torch::Tensor schedule_scalar(double value);

// Returns the guided model output in fp32 for `latents` at timestep t.
using DenoiseFn =
    std::function<torch::Tensor(const torch::Tensor& latents, double t, int64_t step_index)>;

struct SamplingHooks {
  std::function<void(int64_t step, int64_t num_steps)> on_step;  // after each finished step
  std::function<bool()> cancelled;                               // polled before each step
};

class SamplingCancelled : public std::runtime_error {
 public:
  explicit SamplingCancelled(int64_t completed_steps);
  int64_t completed_steps() const { return completed_steps_; }

 private:
  int64_t completed_steps_;
};

// The whole loop from a fresh trajectory. Latents return to their input dtype after every step
// (pipeline behaviour). Throws SamplingCancelled when hooks.cancelled() turns true.
torch::Tensor run_sampler(Sampler& sampler, torch::Tensor latents, const DenoiseFn& denoise,
                          const SamplingHooks& hooks = {});

}  // namespace ditstream
