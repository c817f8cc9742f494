#include "core/stream/offline_renderer.h"

#include "core/control/latent_blending.h"
#include "core/control/transition_embeddings.h"
#include "core/model/video_frames.h"
#include "core/sampling/sampler.h"
#include "core/stream/window_subjects.h"
#include "core/text/prompt_encoder.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

struct Windows {
  WindowLayout layout;
  std::vector<torch::Tensor> conds;  // one embedding per window
  torch::Tensor uncond;
  std::vector<SubjectTokens> subjects;  // per adjacent pair, for mask-guided sharing
};

WindowPlan plan_of(const WindowCondition& c, const std::vector<PromptEntry>& prompts) {
  WindowPlan plan;
  plan.from = prompts[c.from_prompt];
  plan.to = prompts[c.to_prompt];
  plan.transition_index = c.is_transition() ? 0 : -1;
  plan.beta = c.beta;
  return plan;
}

std::vector<SubjectTokens> pair_subjects(const PipelineComponents& components,
                                         const std::vector<WindowCondition>& conditions,
                                         const std::vector<PromptEntry>& prompts) {
  if (!components.text)
    throw std::runtime_error("mask-guided KV-sharing needs the model's tokenizer");
  std::vector<SubjectTokens> out;
  for (size_t k = 0; k + 1 < conditions.size(); ++k)
    out.push_back(window_pair_subjects(components.text->tokenizer(),
                                       plan_of(conditions[k], prompts),
                                       plan_of(conditions[k + 1], prompts)));
  return out;
}

torch::Tensor window_of(const torch::Tensor& x, const WindowLayout& layout, int64_t n) {
  return x.slice(1, layout.start(n), layout.start(n) + layout.T);
}

// Guided v over the whole long latent: pair forwards, blended per frame (or newest-wins).
torch::Tensor blended_prediction(const GuidedDenoiser& denoiser, const Windows& w,
                                 const torch::Tensor& x, double t, int64_t step, int64_t steps,
                                 bool blending) {
  const auto& layout = w.layout;
  const auto input = [&](int64_t n) {
    return WindowInput{window_of(x, layout, n), w.conds[n], w.uncond};
  };
  if (layout.K == 1) return denoiser.predict(input(0), t, step, steps);
  BlendAccumulator blend(layout.L);
  auto newest = torch::empty_like(x, torch::kFloat);
  for (int64_t k = 0; k + 1 < layout.K; ++k) {
    const auto* subjects = w.subjects.empty() ? nullptr : &w.subjects[k];
    const auto [source, target] =
        denoiser.predict_pair(input(k), input(k + 1), t, step, steps, subjects);
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
  std::vector<PromptEntry> entries(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) entries[i].text = prompts[i];
  return render(entries, negative_prompt, options, callbacks);
}

OfflineResult OfflineRenderer::render(const std::vector<PromptEntry>& prompts,
                                      const std::string& negative_prompt,
                                      const OfflineOptions& options,
                                      const WindowCallbacks& callbacks) const {
  if (prompts.empty()) throw std::runtime_error("the offline renderer needs at least one prompt");
  const auto& geometry = components_->geometry();
  const int64_t overlap = resolve_overlap(options.overlap, geometry.latent_frames);
  Windows w{
      multi_prompt_layout(geometry.latent_frames, overlap, static_cast<int64_t>(prompts.size()),
                          options.transition_windows, options.mid),
      {},
      pipeline_.encode_prompt(negative_prompt),
      {}};
  std::vector<torch::Tensor> embeddings;
  for (const auto& p : prompts) embeddings.push_back(pipeline_.encode_prompt(p.text));
  const auto conditions = condition_sequence(static_cast<int64_t>(prompts.size()),
                                             options.transition_windows, options.mid);
  for (const auto& c : conditions) w.conds.push_back(condition_embedding(c, embeddings));

  KvSharingOptions sharing;
  if (options.kv_sharing) {
    sharing.gate = KvSharingGate::defaults_for(geometry.num_layers, options.steps);
    sharing.mask_guided = options.mask_guided;
  }
  if (sharing.mask_guided) w.subjects = pair_subjects(*components_, conditions, prompts);
  const GuidedDenoiser denoiser(components_, options.guidance, sharing);
  const auto name = options.sampler.empty() ? ditctrl_sampler(*components_) : options.sampler;
  auto sampler = components_->samplers->make(name, options.steps,
                                             seeded_noise(static_cast<uint64_t>(options.seed) + 1));
  DenoiseFn model = [&](const torch::Tensor& x, double t, int64_t step) {
    return blended_prediction(denoiser, w, x, t, step, options.steps, options.blending);
  };
  torch::NoGradGuard no_grad;
  const auto noise = pipeline_.initial_latents(options.seed, w.layout.L, options.latent_height,
                                               options.latent_width);
  auto latents = run_sampler(*sampler, noise, model, {callbacks.on_step, callbacks.cancelled});
  const auto frames = to_uint8_rgb(pipeline_.decode(latents).unsqueeze(0))[0].cpu();
  return {w.layout, latents, frames};
}

}  // namespace ditstream
