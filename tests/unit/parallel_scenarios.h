#pragma once
// The streams the parallel tests compare with and without ranks: a 5-window windowed stream
// through a transition, with or without KV-sharing, and 6 causal chunks through a prompt switch.

#include "committed_latents.h"
#include "tiny_components.h"

#include <torch/torch.h>

#include <memory>

namespace ditstream::testing {

enum class Sharing { Off, Plain, MaskGuided };
inline const char* name(Sharing s) {
  return s == Sharing::Off ? "no sharing" : s == Sharing::Plain ? "KV-sharing" : "mask-guided";
}

// Every committed latent of a 5-window stream: the fox, then the horse from window 2 (a
// transition window whose forwards pair windows, with KV-sharing's gated forks; mask-guided on
// the subjects picked automatically, "running" and "snow").
inline torch::Tensor stream_latents(std::shared_ptr<const PipelineComponents> components,
                                    Sharing sharing, AnchorMode anchor = AnchorMode::Off) {
  StreamOptions o;
  o.steps = 4;
  o.seed = 3;
  o.kv_sharing = sharing != Sharing::Off;
  o.mask_guided = sharing == Sharing::MaskGuided;
  o.anchor.mode = anchor;
  auto timeline = std::make_shared<PromptTimeline>();
  StreamGenerator g(std::move(components), o, timeline);
  timeline->add(prompt_entry(0, "a red fox running in the snow"));
  timeline->add(prompt_entry(g.first_new_frame(2), "a white horse running in the snow"));
  return torch::cat(committed_latents(g, 5), 1);
}

// 6 causal chunks (window 5 with a sink: eviction) and a prompt switch at chunk 2 by `method`.
inline torch::Tensor causal_latents(std::shared_ptr<const PipelineComponents> components,
                                    SwitchMethod method) {
  auto o = small_causal_options();
  o.switch_method = method;
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(prompt_entry(0, "a red circle"));
  timeline->add(prompt_entry(6, "a blue square"));
  CausalGenerator g(std::move(components), o, timeline);
  return torch::cat(committed_latents(g, 6), 1);
}

inline double relative(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm()).item<double>();
}

}  // namespace ditstream::testing
