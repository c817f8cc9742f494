#include "core/stream/guided_denoiser.h"

#include "core/sampling/guidance.h"

#include <torch/torch.h>

#include <optional>

namespace ditstream {

GuidedDenoiser::GuidedDenoiser(std::shared_ptr<const PipelineComponents> components,
                               GuidanceOptions guidance, KvSharingOptions sharing)
    : components_(std::move(components)), guidance_(guidance), sharing_(std::move(sharing)) {}

torch::Tensor GuidedDenoiser::forward(const std::vector<torch::Tensor>& latents,
                                      const std::vector<torch::Tensor>& text,
                                      std::vector<BatchRole> roles, double t, int64_t step,
                                      AttentionControl* control, const AnchorStep* anchor,
                                      BatchFork fork, BlockCache* cache) const {
  std::optional<AnchorAttention> anchored;
  if (anchor) control = &anchored.emplace(*anchor, control);
  AttentionContext ctx;
  ctx.control = control;
  ctx.step = step;
  ctx.roles = std::move(roles);
  ctx.fork = std::move(fork);
  ctx.block_cache = cache;
  return components_->transformer->predict(torch::cat(latents), torch::cat(text), t, ctx)
      .to(torch::kFloat);
}

AnchorKv GuidedDenoiser::anchor_kv(const torch::Tensor& latents, const torch::Tensor& cond,
                                   double t, int64_t step, const KvSharingGate& gate) const {
  torch::NoGradGuard no_grad;
  AnchorRecorder recorder(gate);
  forward({latents}, {cond}, {BatchRole::Cond}, t, step, &recorder, nullptr);
  return recorder.take();
}

double GuidedDenoiser::scale(double t, int64_t num_steps) const {
  return guidance_scale(guidance_.scale, guidance_.dynamic, t, num_steps);
}

torch::Tensor GuidedDenoiser::guide(const torch::Tensor& raw, double t, int64_t num_steps) const {
  if (!guided()) return raw;
  return apply_guidance(raw.slice(0, 0, 1), raw.slice(0, 1, 2), scale(t, num_steps));
}

torch::Tensor GuidedDenoiser::predict_raw(const WindowInput& w, double t, int64_t step,
                                          BlockCache* cache) const {
  torch::NoGradGuard no_grad;
  if (!guided())
    return forward({w.latents}, {w.cond}, {BatchRole::Cond}, t, step, nullptr, w.anchor, {}, cache);
  return forward({w.latents, w.latents}, {w.uncond, w.cond}, {BatchRole::Uncond, BatchRole::Cond},
                 t, step, nullptr, w.anchor, {}, cache);
}

torch::Tensor GuidedDenoiser::predict(const WindowInput& w, double t, int64_t step,
                                      int64_t num_steps, BlockCache* cache) const {
  return guide(predict_raw(w, t, step, cache), t, num_steps);
}

// A fresh control per forward keeps its logs and subject maps from growing over a stream.
std::unique_ptr<AttentionControl> GuidedDenoiser::make_control(
    int64_t step, const SubjectTokens* subjects, const torch::Tensor& latents,
    const KvSharingLayout& layout) const {
  if (sharing_.gate.empty() || !sharing_.gate.has_step(step)) return nullptr;
  if (!sharing_.mask_guided) return std::make_unique<KvSharingControl>(sharing_.gate, layout);
  if (!subjects)
    throw std::runtime_error("mask-guided KV-sharing needs the subject tokens of the window pair");
  const auto& geometry = components_->geometry();
  MaskGuidedOptions mask;
  mask.source_tokens = subjects->source;
  mask.target_tokens = subjects->target;
  mask.tokens_per_frame =
      (latents.size(3) / geometry.patch_size) * (latents.size(4) / geometry.patch_size);
  mask.threshold = sharing_.mask_threshold;
  return std::make_unique<MaskGuidedKvSharingControl>(sharing_.gate, layout, mask);
}

std::pair<torch::Tensor, torch::Tensor> GuidedDenoiser::predict_pair(
    const WindowInput& s, const WindowInput& g, double t, int64_t step, int64_t num_steps,
    const SubjectTokens* subjects) const {
  torch::NoGradGuard no_grad;
  const auto layout = guided() ? KvSharingLayout::cfg_pair() : KvSharingLayout::plain_pair();
  const auto control = make_control(step, subjects, s.latents, layout);
  if (!guided()) {
    const auto raw = forward({s.latents, g.latents}, {s.cond, g.cond},
                             {BatchRole::Cond, BatchRole::Cond}, t, step, control.get(), g.anchor);
    return {raw[0].unsqueeze(0), raw[1].unsqueeze(0)};
  }
  const auto raw =
      forward({s.latents, g.latents, s.latents, g.latents}, {s.uncond, g.uncond, s.cond, g.cond},
              {BatchRole::Uncond, BatchRole::Uncond, BatchRole::Cond, BatchRole::Cond}, t, step,
              control.get(), g.anchor);
  const double guidance = scale(t, num_steps);
  return {apply_guidance(raw.slice(0, 0, 1), raw.slice(0, 2, 3), guidance),
          apply_guidance(raw.slice(0, 1, 2), raw.slice(0, 3, 4), guidance)};
}

// Rows before the fork: [u_src, u_tgt, c_src, c_tgt] (CFG) or [src, tgt]; after it each target
// row is followed by its shared copy, which reads the source row's K/V.
GatedPrediction GuidedDenoiser::predict_gated(const WindowInput& s, const WindowInput& g, double t,
                                              int64_t step, int64_t num_steps,
                                              const SubjectTokens* subjects) const {
  torch::NoGradGuard no_grad;
  BatchFork fork{
      sharing_.gate.layer_start, {0, 1, 1}, {BatchRole::Cond, BatchRole::Cond, BatchRole::Cond}};
  if (!guided()) {
    const KvSharingLayout layout{{{0, 2, 0, 2}}};
    const auto control = make_control(step, subjects, s.latents, layout);
    const auto raw =
        forward({s.latents, g.latents}, {s.cond, g.cond}, {BatchRole::Cond, BatchRole::Cond}, t,
                step, control.get(), g.anchor, fork);
    return {raw.slice(0, 0, 1), raw.slice(0, 1, 2), raw.slice(0, 2, 3)};
  }
  fork.rows = {0, 1, 1, 2, 3, 3};
  fork.roles = {BatchRole::Uncond, BatchRole::Uncond, BatchRole::Uncond,
                BatchRole::Cond,   BatchRole::Cond,   BatchRole::Cond};
  const KvSharingLayout layout{{{0, 2, 3, 5}, {3, 5, 3, 5}}};
  const auto control = make_control(step, subjects, s.latents, layout);
  const auto raw =
      forward({s.latents, g.latents, s.latents, g.latents}, {s.uncond, g.uncond, s.cond, g.cond},
              {BatchRole::Uncond, BatchRole::Uncond, BatchRole::Cond, BatchRole::Cond}, t, step,
              control.get(), g.anchor, fork);
  const double guidance = scale(t, num_steps);
  const auto row = [&](int64_t uncond) {
    return apply_guidance(raw.slice(0, uncond, uncond + 1), raw.slice(0, uncond + 3, uncond + 4),
                          guidance);
  };
  return {row(0), row(1), row(2)};
}

}  // namespace ditstream
