#include "core/stream/offline_renderer.h"

#include "core/control/latent_blending.h"
#include "core/control/transition_embeddings.h"
#include "core/model/cogvideox_transformer.h"
#include "core/model/video_postprocess.h"
#include "core/sampling/noise_schedule.h"
#include "core/sampling/sampler.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

struct Windows {
  WindowLayout layout;
  std::vector<torch::Tensor> conds;  // one embedding per window
  torch::Tensor uncond;
};

torch::Tensor window_of(const torch::Tensor& x, const WindowLayout& layout, int64_t n) {
  return x.slice(1, layout.start(n), layout.start(n) + layout.T);
}

// Guided v over the whole long latent: pair forwards, blended per frame (or newest-wins).
torch::Tensor blended_prediction(const GuidedDenoiser& denoiser, const Windows& w,
                                 const torch::Tensor& x, int64_t t, int64_t step, int64_t steps,
                                 bool blending) {
  const auto& layout = w.layout;
  const auto input = [&](int64_t n) {
    return WindowInput{window_of(x, layout, n), w.conds[n], w.uncond};
  };
  if (layout.K == 1) return denoiser.predict(input(0), t, step, steps);
  BlendAccumulator blend(layout.L);
  auto newest = torch::empty_like(x, torch::kFloat);
  for (int64_t k = 0; k + 1 < layout.K; ++k) {
    const auto [source, target] = denoiser.predict_pair(input(k), input(k + 1), t, step, steps);
    blend.add(layout.start(k), source);
    blend.add(layout.start(k + 1), target);
    if (k == 0) window_of(newest, layout, 0).copy_(source);
    window_of(newest, layout, k + 1).copy_(target);
  }
  return blending ? blend.result() : newest;
}

}  // namespace

OfflineRenderer::OfflineRenderer(std::shared_ptr<const PipelineComponents> components)
    : components_(components), pipeline_(components) {}

OfflineResult OfflineRenderer::render(const std::vector<std::string>& prompts,
                                      const std::string& negative_prompt,
                                      const OfflineOptions& options,
                                      const WindowCallbacks& callbacks) const {
  if (prompts.empty()) throw std::runtime_error("the offline renderer needs at least one prompt");
  const auto& config = components_->transformer->config();
  Windows w{multi_prompt_layout(config.latent_frames(), options.overlap,
                                static_cast<int64_t>(prompts.size()), options.transition_windows,
                                options.mid),
            {},
            pipeline_.encode_prompt(negative_prompt)};
  std::vector<torch::Tensor> embeddings;
  for (const auto& p : prompts) embeddings.push_back(pipeline_.encode_prompt(p));
  for (const auto& c : condition_sequence(static_cast<int64_t>(prompts.size()),
                                          options.transition_windows, options.mid))
    w.conds.push_back(condition_embedding(c, embeddings));

  KvSharingOptions sharing;
  if (options.kv_sharing)
    sharing.gate = KvSharingGate::defaults_for(config.num_layers, options.steps);
  const GuidedDenoiser denoiser(components_, options.guidance, sharing);
  const NoiseSchedule schedule(components_->scheduler);
  auto sampler = make_sampler(options.sampler, schedule, options.steps,
                              seeded_noise(static_cast<uint64_t>(options.seed) + 1));
  DenoiseFn model = [&](const torch::Tensor& x, int64_t t, int64_t step) {
    return blended_prediction(denoiser, w, x, t, step, options.steps, options.blending);
  };
  torch::NoGradGuard no_grad;
  auto latents = run_sampler(*sampler, pipeline_.initial_latents(options.seed, w.layout.L), model,
                             {callbacks.on_step, callbacks.cancelled});
  const auto frames = to_uint8_rgb(pipeline_.decode(latents).unsqueeze(0))[0].cpu();
  return {w.layout, latents, frames};
}

}  // namespace ditstream
