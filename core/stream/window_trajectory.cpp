#include "core/stream/window_trajectory.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {
namespace {

torch::Tensor pin(const torch::Tensor& x, const TrajectorySource& source, size_t step) {
  const int64_t o = source.pinned_frames;
  if (!source.previous || o == 0) return x;
  const auto& past = source.previous->states.at(step);
  const int64_t t = past.size(1);
  return torch::cat({past.narrow(1, t - o, o), x.narrow(1, o, x.size(1) - o)}, 1);
}

torch::Tensor predict(const GuidedDenoiser& denoiser, const WindowInput& target,
                      const TrajectorySource& source, double t, int64_t step, int64_t steps,
                      StageTimes* times) {
  const bool share = source.previous && !source.gate.empty() && source.gate.has_step(step);
  if (!share) return denoiser.predict(target, t, step, steps);
  const auto& prev = *source.previous;
  const WindowInput past{prev.states.at(static_cast<size_t>(step)), prev.cond, prev.uncond};
  const auto pair = [&] {
    return denoiser.predict_pair(past, target, t, step, steps, source.subjects).second;
  };
  return time_stage(times, Stage::KvSharing, pair);
}

}  // namespace

WindowTrajectory denoise_trajectory(const GuidedDenoiser& denoiser, Sampler& sampler,
                                    torch::Tensor latents, const torch::Tensor& cond,
                                    const torch::Tensor& uncond, const TrajectorySource& source,
                                    const WindowCallbacks& callbacks) {
  torch::NoGradGuard no_grad;
  const auto dtype = latents.scalar_type();
  const int64_t n = sampler.num_steps();
  if (source.previous && static_cast<int64_t>(source.previous->states.size()) != n + 1)
    throw std::runtime_error("denoise_trajectory: the previous window has " +
                             std::to_string(source.previous->states.size()) +
                             " states, expected steps + 1 = " + std::to_string(n + 1));
  WindowTrajectory out{{}, cond, uncond};
  out.states.reserve(static_cast<size_t>(n + 1));
  sampler.reset();
  for (int64_t i = 0; i < n; ++i) {
    if (callbacks.cancelled && callbacks.cancelled()) throw SamplingCancelled(i);
    latents = pin(latents, source, static_cast<size_t>(i));
    out.states.push_back(latents);
    const double t = sampler.timesteps()[static_cast<size_t>(i)];
    const auto v = predict(denoiser, {latents, cond, uncond}, source, t, i, n, callbacks.times);
    latents = sampler.step(v, i, latents).to(dtype);
    if (callbacks.on_step) callbacks.on_step(i, n);
  }
  out.states.push_back(pin(latents, source, static_cast<size_t>(n)));
  return out;
}

}  // namespace ditstream
