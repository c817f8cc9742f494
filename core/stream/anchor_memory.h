#pragma once
// Anchor memory over a stream (anchor_attention.h): the first plain window of each prompt becomes
// its anchor; later windows of that prompt read the anchor's K/V at the gate's steps and layers.
// A transition window reads the outgoing prompt's anchor with its log-weight lowered by
// log(1 - beta), so it fades as the new prompt takes over; the new prompt's first plain window
// reads none and becomes the new anchor. One anchor is kept: memory does not grow with the stream.
//
// An anchor is stored as committed latents (x0) with a noise drawn once from the stream's seed.
// At step s its K/V come from one forward of x_s = signal_s·x0 + noise_s·eps (the sampler's
// forward process, Sampler::noised) at the step's timestep, conditioned on the anchor prompt's
// text: the anchor is seen at the noise level of the window that reads it.

#include "core/control/anchor_attention.h"
#include "core/control/anchor_mode.h"
#include "core/stream/guided_denoiser.h"
#include "core/stream/window_scheduler.h"

#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace ditstream {

class Sampler;

struct AnchorOptions {
  AnchorMode mode = AnchorMode::Off;
  double strength = 0.0;              // log-weight on the anchor keys' scores; -inf reads nothing
  std::optional<KvSharingGate> gate;  // unset: default_gate(layers, steps)

  bool enabled() const;
  // Every layer, the first half of the steps (where layout and appearance are decided).
  static KvSharingGate default_gate(int64_t num_layers, int64_t num_steps);
};

struct Anchor {
  int64_t prompt_id = -1;
  torch::Tensor latents;  // (1, F, C, h, w) committed x0
  torch::Tensor noise;    // like latents, drawn once
  torch::Tensor cond;     // the prompt's own text embedding
};

class AnchorMemory {
 public:
  AnchorMemory(AnchorOptions options, int64_t seed) : options_(options), seed_(seed) {}

  // After the window of `plan` committed `latents` (1, S, C, h, w); `cond` is plan.to's own text.
  void offer(const WindowPlan& plan, const torch::Tensor& latents, const torch::Tensor& cond);
  // The anchor the window of `plan` reads and its log-weight, if any.
  std::optional<std::pair<const Anchor*, double>> for_plan(const WindowPlan& plan) const;
  const AnchorOptions& options() const { return options_; }

 private:
  AnchorOptions options_;
  int64_t seed_;
  std::optional<Anchor> anchor_;
};

// One window's anchor steps: at(step) runs the anchor's forward once per gated step, or, with a
// `held_step`, once at that step's (low) noise level for all of them (a cut's context, after
// Long Context Tuning's history held at a low noise level and cached once).
class AnchorSteps {
 public:
  AnchorSteps(const GuidedDenoiser& denoiser, const Sampler& sampler, const Anchor& anchor,
              double log_weight, KvSharingGate gate, std::optional<int64_t> held_step = {});
  // The anchor of step `step` (timestep t), or null outside the gate's steps.
  const AnchorStep* at(int64_t step, double t);

 private:
  const GuidedDenoiser& denoiser_;
  const Sampler& sampler_;
  const Anchor& anchor_;
  KvSharingGate gate_;
  std::optional<int64_t> held_step_;
  int64_t step_ = -1;
  AnchorStep current_;
};

}  // namespace ditstream
