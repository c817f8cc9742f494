#pragma once
// Classifier-free guidance: the combination and the per-step scale schedules.

#include <torch/types.h>

#include <cstdint>

namespace ditstream {

// CogVideoXPipeline: `scale`, or with use_dynamic_cfg
// 1 + scale * ((1 - cos(pi * ((N - t) / N)^5)) / 2) with t the timestep VALUE (999, 979, ...),
// not the step index (cogvideox-spec §6.5; reproduces the wave-like schedule on purpose).
double guidance_scale(double scale, bool dynamic, double t, int64_t num_steps);

// DiTCtrl's DynamicCFG (ditctrl-spec §2.4): 1 + scale * (1 - cos(pi * ((N - t) / N)^exponent)) / 2,
// also with the timestep value t (the reference passes step_index = N - t). exponent is 5 there.
double ditctrl_guidance_scale(double scale, double exponent, double t, int64_t num_steps);

// uncond + scale * (cond - uncond) in fp32 (the pipeline calls noise_pred.float() first).
torch::Tensor apply_guidance(const torch::Tensor& uncond, const torch::Tensor& cond, double scale);

}  // namespace ditstream
