#include "core/stream/guided_denoiser.h"

#include "core/sampling/guidance.h"

#include <torch/torch.h>

#include <optional>

namespace ditstream {

GuidedDenoiser::GuidedDenoiser(std::shared_ptr<const PipelineComponents> components,
                               GuidanceOptions guidance, KvSharingOptions sharing)
    : components_(std::move(components)),
      executor_(components_->forwards ? components_->forwards
                                      : std::make_shared<LocalForward>(components_->transformer)),
      guidance_(guidance),
      sharing_(std::move(sharing)) {}

ForwardCall GuidedDenoiser::call(const std::vector<torch::Tensor>& latents,
                                 const std::vector<torch::Tensor>& text,
                                 std::vector<BatchRole> roles, double t, int64_t step,
                                 const AnchorStep* anchor) const {
  ForwardCall c;
  c.latents = torch::cat(latents);
  c.text = torch::cat(text);
  c.roles = std::move(roles);
  c.t = t;
  c.step = step;
  if (anchor) c.anchor = *anchor;
  return c;
}

torch::Tensor GuidedDenoiser::forward(const ForwardCall& call, BlockCache* cache) const {
  return cache ? run_forward_here(*components_->transformer, call, nullptr, cache)
               : executor_->run(call);
}

AnchorKv GuidedDenoiser::anchor_kv(const torch::Tensor& latents, const torch::Tensor& cond,
                                   double t, int64_t step, const KvSharingGate& gate) const {
  AnchorRecorder recorder(gate);
  run_forward_here(*components_->transformer,
                   call({latents}, {cond}, {BatchRole::Cond}, t, step, nullptr), &recorder);
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
  const auto c = guided() ? call({w.latents, w.latents}, {w.uncond, w.cond},
                                 {BatchRole::Uncond, BatchRole::Cond}, t, step, w.anchor)
                          : call({w.latents}, {w.cond}, {BatchRole::Cond}, t, step, w.anchor);
  return forward(c, cache);
}

torch::Tensor GuidedDenoiser::predict(const WindowInput& w, double t, int64_t step,
                                      int64_t num_steps, BlockCache* cache) const {
  return guide(predict_raw(w, t, step, cache), t, num_steps);
}

ControlSpec GuidedDenoiser::control_spec(int64_t step, const SubjectTokens* subjects,
                                         const torch::Tensor& latents,
                                         const KvSharingLayout& layout) const {
  ControlSpec spec;
  if (sharing_.gate.empty() || !sharing_.gate.has_step(step)) return spec;
  spec.gate = sharing_.gate;
  spec.layout = layout;
  spec.kind = sharing_.mask_guided ? ControlSpec::Kind::MaskGuided : ControlSpec::Kind::KvSharing;
  if (!sharing_.mask_guided) return spec;
  if (!subjects)
    throw std::runtime_error("mask-guided KV-sharing needs the subject tokens of the window pair");
  const auto& geometry = components_->geometry();
  spec.mask.source_tokens = subjects->source;
  spec.mask.target_tokens = subjects->target;
  spec.mask.tokens_per_frame =
      (latents.size(3) / geometry.patch_size) * (latents.size(4) / geometry.patch_size);
  spec.mask.threshold = sharing_.mask_threshold;
  return spec;
}

std::pair<torch::Tensor, torch::Tensor> GuidedDenoiser::predict_pair(
    const WindowInput& s, const WindowInput& g, double t, int64_t step, int64_t num_steps,
    const SubjectTokens* subjects) const {
  const auto layout = guided() ? KvSharingLayout::cfg_pair() : KvSharingLayout::plain_pair();
  const auto control = control_spec(step, subjects, s.latents, layout);
  if (!guided()) {
    auto c = call({s.latents, g.latents}, {s.cond, g.cond}, {BatchRole::Cond, BatchRole::Cond}, t,
                  step, g.anchor);
    c.control = control;
    const auto raw = forward(c);
    return {raw[0].unsqueeze(0), raw[1].unsqueeze(0)};
  }
  auto c = call({s.latents, g.latents, s.latents, g.latents}, {s.uncond, g.uncond, s.cond, g.cond},
                {BatchRole::Uncond, BatchRole::Uncond, BatchRole::Cond, BatchRole::Cond}, t, step,
                g.anchor);
  c.control = control;
  const auto raw = forward(c);
  const double guidance = scale(t, num_steps);
  return {apply_guidance(raw.slice(0, 0, 1), raw.slice(0, 2, 3), guidance),
          apply_guidance(raw.slice(0, 1, 2), raw.slice(0, 3, 4), guidance)};
}

// Rows before the fork: [u_src, u_tgt, c_src, c_tgt] (CFG) or [src, tgt]; after it each target
// row is followed by its shared copy, which reads the source row's K/V.
GatedPrediction GuidedDenoiser::predict_gated(const WindowInput& s, const WindowInput& g, double t,
                                              int64_t step, int64_t num_steps,
                                              const SubjectTokens* subjects,
                                              BlockCache* cache) const {
  BatchFork fork{
      sharing_.gate.layer_start, {0, 1, 1}, {BatchRole::Cond, BatchRole::Cond, BatchRole::Cond}};
  if (!guided()) {
    auto c = call({s.latents, g.latents}, {s.cond, g.cond}, {BatchRole::Cond, BatchRole::Cond}, t,
                  step, g.anchor);
    c.control = control_spec(step, subjects, s.latents, KvSharingLayout{{{0, 2, 0, 2}}});
    c.fork = std::move(fork);
    const auto raw = forward(c, cache);
    return {raw.slice(0, 0, 1), raw.slice(0, 1, 2), raw.slice(0, 2, 3)};
  }
  fork.rows = {0, 1, 1, 2, 3, 3};
  fork.roles = {BatchRole::Uncond, BatchRole::Uncond, BatchRole::Uncond,
                BatchRole::Cond,   BatchRole::Cond,   BatchRole::Cond};
  auto c = call({s.latents, g.latents, s.latents, g.latents}, {s.uncond, g.uncond, s.cond, g.cond},
                {BatchRole::Uncond, BatchRole::Uncond, BatchRole::Cond, BatchRole::Cond}, t, step,
                g.anchor);
  c.control =
      control_spec(step, subjects, s.latents, KvSharingLayout{{{0, 2, 3, 5}, {3, 5, 3, 5}}});
  c.fork = std::move(fork);
  const auto raw = forward(c, cache);
  const double guidance = scale(t, num_steps);
  const auto row = [&](int64_t uncond) {
    return apply_guidance(raw.slice(0, uncond, uncond + 1), raw.slice(0, uncond + 3, uncond + 4),
                          guidance);
  };
  return {row(0), row(1), row(2)};
}

}  // namespace ditstream
