#include "core/stream/anchor_memory.h"

#include "core/sampling/sampler.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ditstream {

bool AnchorOptions::enabled() const {
  return mode != AnchorMode::Off && strength > -std::numeric_limits<double>::infinity();
}

KvSharingGate AnchorOptions::default_gate(int64_t num_layers, int64_t num_steps) {
  return {0, (num_steps + 1) / 2, 0, num_layers};
}

void AnchorMemory::offer(const WindowPlan& plan, const torch::Tensor& latents,
                         const torch::Tensor& cond) {
  if (!options_.enabled() || plan.is_transition()) return;
  if (anchor_ && anchor_->prompt_id == plan.to.id) return;
  const int64_t frames = options_.mode == AnchorMode::FirstFrame ? 1 : latents.size(1);
  Anchor anchor{plan.to.id, latents.narrow(1, 0, frames).clone(), {}, cond};
  const uint64_t seed =
      static_cast<uint64_t>(seed_) * 1000003ULL + static_cast<uint64_t>(plan.to.id);
  anchor.noise = seeded_noise(seed)(anchor.latents);
  anchor_ = std::move(anchor);
}

std::optional<std::pair<const Anchor*, double>> AnchorMemory::for_plan(
    const WindowPlan& plan) const {
  if (!anchor_ || !options_.enabled()) return std::nullopt;
  if (!plan.is_transition())
    return plan.to.id == anchor_->prompt_id
               ? std::optional(std::make_pair(&*anchor_, options_.strength))
               : std::nullopt;
  if (plan.from.id != anchor_->prompt_id || plan.beta >= 1.0) return std::nullopt;
  return std::make_pair(&*anchor_, options_.strength + std::log(1.0 - plan.beta));
}

AnchorSteps::AnchorSteps(const GuidedDenoiser& denoiser, const Sampler& sampler,
                         const Anchor& anchor, double log_weight, KvSharingGate gate,
                         std::optional<int64_t> held_step)
    : denoiser_(denoiser), sampler_(sampler), anchor_(anchor), gate_(gate), held_step_(held_step) {
  current_.log_weight = log_weight;
}

const AnchorStep* AnchorSteps::at(int64_t step, double t) {
  if (!gate_.has_step(step)) return nullptr;
  if (step != step_) {
    const auto x = sampler_.noised(anchor_.latents, anchor_.noise, step);
    current_.kv =
        denoiser_.anchor_kv(x.to(anchor_.latents.scalar_type()), anchor_.cond, t, step, gate_);
    step_ = step;
  }
  return &current_;
}

}  // namespace ditstream
