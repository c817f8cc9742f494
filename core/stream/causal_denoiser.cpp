#include "core/stream/causal_denoiser.h"

#include "core/sampling/sampler.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {

CausalDenoiser::CausalDenoiser(std::shared_ptr<const ForwardExecutor> forwards,
                               RollingKvCache& cache, FewStepSchedule schedule)
    : forwards_(std::move(forwards)), cache_(cache), schedule_(std::move(schedule)) {}

torch::Tensor CausalDenoiser::denoise(int64_t first_frame, const torch::Tensor& text,
                                      const ChunkNoise& noise,
                                      const ChunkCallbacks& callbacks) const {
  const auto steps = static_cast<int64_t>(schedule_.timesteps.size());
  if (static_cast<int64_t>(noise.renoise.size()) < steps - 1)
    throw std::invalid_argument("CausalDenoiser: one re-noise draw per step after the first");
  const CacheForward where{CacheForward::Kind::Chunk, first_frame, noise.initial.size(1)};
  auto x = noise.initial;
  torch::Tensor x0;
  for (int64_t k = 0; k < steps; ++k) {
    if (callbacks.cancelled && callbacks.cancelled()) throw SamplingCancelled(k);
    const auto v = forward(x, text, schedule_.timesteps[k], where, k);
    x0 = ditstream::x0_from_flow(x, v, schedule_.sigmas[k]);
    if (callbacks.on_step) callbacks.on_step(k, x, v, x0);
    if (k + 1 < steps) x = ditstream::renoise_to(x0, noise.renoise[k], schedule_.sigmas[k + 1]);
  }
  const auto cache_output = forward(x0, text, 0.0, where, steps);
  if (callbacks.on_cache_pass) callbacks.on_cache_pass(cache_output);
  return x0;
}

torch::Tensor CausalDenoiser::recache(const torch::Tensor& latents, int64_t first_frame,
                                      const torch::Tensor& text, bool keep_sink,
                                      int64_t keep_layers_from) const {
  const CacheForward where{CacheForward::Kind::Recache, first_frame, latents.size(1), keep_sink,
                           keep_layers_from};
  return forward(latents, text, 0.0, where, 0, !keep_sink);
}

torch::Tensor CausalDenoiser::forward(const torch::Tensor& x, const torch::Tensor& text, double t,
                                      const CacheForward& where, int64_t step,
                                      bool zero_rows) const {
  return forwards_->run_chunk({x, text, t, step, where, zero_rows}, cache_);
}

}  // namespace ditstream
