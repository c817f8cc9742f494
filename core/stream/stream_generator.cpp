#include "core/stream/stream_generator.h"

#include "core/model/cogvideox_transformer.h"
#include "core/model/video_postprocess.h"
#include "core/sampling/sampler.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {
namespace {

int64_t latent_frames_of(const PipelineComponents& c, const StreamOptions& o) {
  return o.latent_frames > 0 ? o.latent_frames : c.transformer->config().latent_frames();
}

void validate(const StreamOptions& o, int64_t frames) {
  if (o.blend == StreamOptions::BlendMode::Deferred)
    throw std::runtime_error(
        "StreamGenerator: BlendMode::Deferred (ditctrl-spec §8.3 option B) is not implemented");
  if (o.overlap < 0 || o.overlap >= frames)
    throw std::runtime_error("StreamGenerator: overlap must be in [0, " + std::to_string(frames) +
                             "), got " + std::to_string(o.overlap));
  if (o.steps < 1) throw std::runtime_error("StreamGenerator: steps must be >= 1");
}

KvSharingGate gate_for(const PipelineComponents& c, const StreamOptions& o) {
  if (!o.kv_sharing) return {};
  return o.kv_gate ? *o.kv_gate
                   : KvSharingGate::defaults_for(c.transformer->config().num_layers, o.steps);
}

}  // namespace

int64_t stream_window_seed(int64_t seed, int64_t window) {
  if (window == 0) return seed;
  // splitmix64 of (seed, window): neighbouring windows get unrelated generators.
  uint64_t z = static_cast<uint64_t>(seed) + static_cast<uint64_t>(window) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<int64_t>((z ^ (z >> 31)) >> 1);
}

StreamGenerator::StreamGenerator(std::shared_ptr<const PipelineComponents> components,
                                 StreamOptions options, std::shared_ptr<PromptTimeline> timeline)
    : components_(std::move(components)),
      options_(std::move(options)),
      timeline_(std::move(timeline)),
      frames_(latent_frames_of(*components_, options_)),
      gate_(gate_for(*components_, options_)),
      schedule_(components_->scheduler),
      pipeline_(components_),
      denoiser_(components_, options_.guidance, KvSharingOptions{gate_, std::nullopt}),
      scheduler_(timeline_, options_.transition_windows),
      embeddings_(components_),
      decoder_(components_->vae, std::max<int64_t>(1, reference_first_chunk(frames_))) {
  validate(options_, frames_);
}

int64_t StreamGenerator::first_new_frame(int64_t window) const {
  if (window == 0) return 0;
  const int64_t ratio = components_->transformer->config().temporal_compression_ratio;
  const int64_t latent = frames_ + (window - 1) * stride();  // first new latent frame, >= 1
  return ratio * (latent - 1) + 1;
}

WindowTrajectory StreamGenerator::run_window(const WindowPlan& plan,
                                             const WindowCallbacks& callbacks) {
  const int64_t seed = stream_window_seed(options_.seed, window_);
  auto sampler = make_sampler(options_.sampler, schedule_, options_.steps,
                              seeded_noise(static_cast<uint64_t>(seed) + 1));
  const TextConditions text = embeddings_.for_plan(plan);
  TrajectorySource source;
  if (previous_) {
    source.previous = &*previous_;
    source.gate = gate_;
    const bool pinned = options_.blend == StreamOptions::BlendMode::PrefixPinned;
    source.pinned_frames = pinned ? options_.overlap : 0;
  }
  return denoise_trajectory(denoiser_, *sampler, pipeline_.initial_latents(seed, frames_),
                            text.cond, text.uncond, source, callbacks);
}

std::vector<StreamFrame> StreamGenerator::to_frames(const torch::Tensor& decoded,
                                                    const WindowPlan& plan) {
  std::vector<StreamFrame> out;
  if (decoded.size(2) == 0) return out;
  const auto rgb = to_uint8_rgb(postprocess_video(decoded))[0].cpu();
  for (int64_t f = 0; f < rgb.size(0); ++f)
    out.push_back({rgb[f], frames_emitted_++, plan.to.id, plan.beta});
  return out;
}

std::vector<StreamFrame> StreamGenerator::commit(const WindowTrajectory& trajectory,
                                                 const WindowPlan& plan) {
  const int64_t first = window_ == 0 ? 0 : options_.overlap;
  const auto latents = trajectory.final_latents().narrow(1, first, frames_ - first);
  if (callbacks_.on_committed_latents) callbacks_.on_committed_latents(window_, latents);
  torch::NoGradGuard no_grad;
  const auto& vae_config = components_->vae->config();
  return to_frames(decoder_.push(latents_to_decoder_input(vae_config, latents)), plan);
}

std::vector<StreamFrame> StreamGenerator::next_window(const WindowCallbacks& callbacks) {
  if (finished_) throw std::runtime_error("StreamGenerator: next_window() after finish()");
  const WindowPlan plan = scheduler_.plan(first_new_frame(window_));
  if (callbacks_.on_window_started) callbacks_.on_window_started(window_, plan);
  if (plan.starts_transition() && callbacks_.on_transition_started)
    callbacks_.on_transition_started(plan.from.id, plan.to.id);
  WindowTrajectory trajectory = run_window(plan, callbacks);
  auto frames = commit(trajectory, plan);
  scheduler_.advance(plan);
  embeddings_.retain({plan.from.id, plan.to.id});
  timeline_->prune_before(first_new_frame(window_));  // plans hold copies of their entries
  previous_ = std::move(trajectory);
  last_plan_ = plan;
  if (plan.ends_transition() && callbacks_.on_transition_ended)
    callbacks_.on_transition_ended(plan.from.id, plan.to.id);
  if (callbacks_.on_window_finished)
    callbacks_.on_window_finished(window_, static_cast<int64_t>(frames.size()));
  ++window_;
  return frames;
}

std::vector<StreamFrame> StreamGenerator::finish() {
  if (finished_) return {};
  finished_ = true;
  torch::NoGradGuard no_grad;
  auto frames = to_frames(decoder_.flush(), last_plan_);
  previous_.reset();
  return frames;
}

}  // namespace ditstream
