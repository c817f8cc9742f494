#include "core/stream/stream_generator.h"

#include "core/model/video_frames.h"
#include "core/sampling/sampler.h"
#include "core/stream/window_subjects.h"
#include "core/text/prompt_encoder.h"
#include "core/text/t5_tokenizer.h"

#include <torch/torch.h>

#include <random>
#include <stdexcept>

namespace ditstream {
namespace {

// Deferred and Randomized: the last O latent frames stay provisional until the next window.
bool defers_commit(StreamOptions::BlendMode mode) {
  return mode == StreamOptions::BlendMode::Deferred || mode == StreamOptions::BlendMode::Randomized;
}

int64_t latent_frames_of(const PipelineComponents& c, const StreamOptions& o) {
  return o.latent_frames > 0 ? o.latent_frames : c.geometry().latent_frames;
}

StreamOptions resolved(StreamOptions o, const PipelineComponents& c) {
  o.overlap = resolve_overlap(o.overlap, latent_frames_of(c, o));
  if (o.sampler.empty()) o.sampler = ditctrl_sampler(c);
  return o;
}

void validate(const StreamOptions& o, int64_t frames) {
  if (o.overlap < 0 || o.overlap >= frames)
    throw std::runtime_error("StreamGenerator: overlap must be in [0, " + std::to_string(frames) +
                             "), got " + std::to_string(o.overlap));
  if (o.steps < 1) throw std::runtime_error("StreamGenerator: steps must be >= 1");
  const bool deferred = defers_commit(o.blend);
  if (o.step_cache < 0.0 || (o.step_cache > 0.0 && !deferred))
    throw std::runtime_error(
        "StreamGenerator: step-cache takes a threshold >= 0 and works with "
        "blend=deferred or randomized only");
  if (o.motion.moves() && !deferred)
    throw std::runtime_error(
        "StreamGenerator: motion works with blend=deferred or randomized only");
  if (o.anchor.enabled() && !deferred)
    throw std::runtime_error(
        "StreamGenerator: anchor works with blend=deferred or randomized only");
}

KvSharingGate gate_for(const PipelineComponents& c, const StreamOptions& o) {
  if (!o.kv_sharing) return {};
  return o.kv_gate ? *o.kv_gate : KvSharingGate::defaults_for(c.geometry().num_layers, o.steps);
}

KvSharingGate anchor_gate_for(const PipelineComponents& c, const StreamOptions& o) {
  return o.anchor.gate ? *o.anchor.gate
                       : AnchorOptions::default_gate(c.geometry().num_layers, o.steps);
}

}  // namespace

StreamOptions::BlendMode parse_blend_mode(const std::string& name) {
  using Mode = StreamOptions::BlendMode;
  for (const auto mode : {Mode::Deferred, Mode::PrefixPinned, Mode::Off, Mode::Randomized})
    if (name == blend_mode_name(mode)) return mode;
  throw std::runtime_error("blend mode must be deferred, prefix-pinned, off or randomized, got '" +
                           name + "'");
}

std::string blend_mode_name(StreamOptions::BlendMode mode) {
  switch (mode) {
    case StreamOptions::BlendMode::Deferred:
      return "deferred";
    case StreamOptions::BlendMode::PrefixPinned:
      return "prefix-pinned";
    case StreamOptions::BlendMode::Off:
      return "off";
    case StreamOptions::BlendMode::Randomized:
      return "randomized";
  }
  return "?";
}

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
      options_(resolved(std::move(options), *components_)),
      timeline_(std::move(timeline)),
      frames_(latent_frames_of(*components_, options_)),
      gate_(gate_for(*components_, options_)),
      pipeline_(components_),
      denoiser_(components_, options_.guidance,
                KvSharingOptions{gate_, options_.mask_guided, options_.mask_threshold}),
      scheduler_(timeline_, options_.transition_windows),
      embeddings_(components_),
      anchors_(options_.anchor, options_.seed),
      anchor_gate_(anchor_gate_for(*components_, options_)),
      decoder_(ditstream::stream_decoder(*components_, frames_, options_.overlap_decode)),
      times_(components_->runtime.device) {
  validate(options_, frames_);
}

int64_t StreamGenerator::first_committed_latent(int64_t window) const {
  if (deferred()) return window * stride();
  return window == 0 ? 0 : frames_ + (window - 1) * stride();
}

// The old shot's last frames (its provisional ones, as the last run left them) under its text.
Anchor StreamGenerator::cut_context(const std::array<int64_t, 2>& to_frame) const {
  Anchor context{
      last_plan_.to.id, moved_by_pixels(provisional_latents_, to_frame), {}, provisional_->cond};
  context.noise = seeded_noise(static_cast<uint64_t>(stream_window_seed(options_.seed, window_)) +
                               5)(context.latents);
  return context;
}

bool StreamGenerator::deferred() const { return defers_commit(options_.blend); }

// r_s uniform in [0, O) (StreamingT2V), the same for a seed on every machine (no
// std::uniform_int_distribution, whose algorithm the standard leaves open).
std::function<int64_t(int64_t)> StreamGenerator::seams(int64_t seed) const {
  if (options_.overlap == 0) return {};  // no provisional frames to split
  std::mt19937_64 rng(static_cast<uint64_t>(seed) + 3);
  std::vector<int64_t> r(static_cast<size_t>(options_.steps));
  for (auto& seam : r) seam = static_cast<int64_t>(rng() % static_cast<uint64_t>(options_.overlap));
  return [r](int64_t step) { return r.at(static_cast<size_t>(step)); };
}

int64_t StreamGenerator::first_new_frame(int64_t window) const {
  return first_video_frame(first_committed_latent(window),
                           components_->geometry().temporal_compression);
}

std::optional<SubjectTokens> StreamGenerator::subjects_for(const WindowPlan& plan) const {
  if (!options_.mask_guided || window_ == 0) return std::nullopt;
  if (!components_->text)
    throw std::runtime_error("mask-guided KV-sharing needs the model's tokenizer");
  try {
    return window_pair_subjects(components_->text->tokenizer(), last_plan_, plan);
  } catch (const std::exception& e) {
    if (plan.to.id == last_plan_.to.id) throw;  // the prompt in use: nothing to fall back to
    throw PromptRejected(plan.to.id, e.what());
  }
}

void StreamGenerator::check_prompt(const PromptEntry& entry) const {
  if (entry.transition_windows > kMaxTransitionWindows)
    throw std::invalid_argument("transition-windows " + std::to_string(entry.transition_windows) +
                                " is more than " + std::to_string(kMaxTransitionWindows));
  if (entry.motion && !deferred())
    throw std::invalid_argument("motion: works with blend=deferred or randomized only");
  if (!options_.mask_guided) return;
  if (!components_->text)
    throw std::invalid_argument("mask-guided KV-sharing needs the model's tokenizer");
  try {
    if (!entry.subject_tokens.empty())
      checked_token_indices(entry.subject_tokens, components_->geometry().text_length);
    if (!entry.subject_words.empty())
      subject_token_indices(components_->text->tokenizer(), entry.text, entry.subject_words);
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(std::string("subject-words: ") + e.what());
  }
}

LatentMotion StreamGenerator::motion(const WindowPlan& plan) const {
  if (!plan.to.motion) return options_.motion;
  LatentMotion m = options_.motion;
  m.dx = (*plan.to.motion)[0], m.dy = (*plan.to.motion)[1];
  return m;
}

torch::Tensor StreamGenerator::start_latents(const WindowPlan& plan, int64_t seed) const {
  const int64_t h = options_.latent_height, w = options_.latent_width;
  auto own = pipeline_.initial_latents(seed, frames_, h, w);
  const LatentMotion m = motion(plan);
  if (!m.moves() || m.noise == 0.0) return own;
  // One field for the whole stream: the frames two windows share start from the same noise.
  const auto field = pipeline_.initial_latents(stream_window_seed(options_.seed, -1), 1, h, w);
  return moved_start_noise(own, field.select(1, 0), window_ * stride(), m);
}

torch::Tensor StreamGenerator::generate(const WindowPlan& plan, const SubjectTokens* subjects,
                                        const WindowCallbacks& callbacks) {
  const int64_t seed = stream_window_seed(options_.seed, window_);
  auto sampler = components_->samplers->make(options_.sampler, options_.steps,
                                             seeded_noise(static_cast<uint64_t>(seed) + 1));
  const auto text = times_.time(Stage::TextEncode, [&] { return embeddings_.for_plan(plan); });
  const WindowInput window{start_latents(plan, seed), text.cond, text.uncond};
  auto timed = callbacks;
  timed.times = &times_;
  return times_.time(Stage::Denoise, [&] {
    if (deferred()) return generate_deferred(plan, window, *sampler, subjects, timed);
    return generate_pinned(window, *sampler, subjects, timed);
  });
}

torch::Tensor StreamGenerator::generate_deferred(const WindowPlan& plan, const WindowInput& window,
                                                 Sampler& sampler, const SubjectTokens* subjects,
                                                 const WindowCallbacks& callbacks) {
  // A cut drops the old shot's provisional frames and reads them as context instead.
  const bool cut = plan.to.cut && provisional_ && plan.to.id != last_plan_.to.id;
  DeferredControls controls;
  controls.step_cache = options_.step_cache;
  controls.motion = motion(plan);
  if (options_.blend == StreamOptions::BlendMode::Randomized)
    controls.seam = seams(stream_window_seed(options_.seed, window_));
  const auto to_frame = follow_motion(controls.motion);
  const auto read = anchor_read(plan, cut, to_frame);
  std::optional<AnchorSteps> anchor;
  if (read)
    anchor.emplace(denoiser_, sampler, read->anchor, read->log_weight, anchor_gate_,
                   read->held_step);
  controls.anchor = anchor ? &*anchor : nullptr;
  WindowInput framed = window;
  framed.latents = moved_by_pixels(window.latents, to_frame);
  const ProvisionalFrames* previous = provisional_ && !cut ? &*provisional_ : nullptr;
  auto run = denoise_deferred(denoiser_, sampler, framed, options_.overlap, previous, subjects,
                              callbacks, controls);
  const auto latents = moved_by_pixels(run.latents, frame_.offset());
  if (options_.overlap > 0) provisional_ = std::move(run.provisional);
  provisional_latents_ = latents.narrow(1, stride(), options_.overlap);
  return latents.narrow(1, 0, stride());
}

// Moves motion control's window frame on to this window, the carried frames with it; returns the
// move from the stream's frame into the window's.
std::array<int64_t, 2> StreamGenerator::follow_motion(const LatentMotion& motion) {
  const auto moved = frame_.advance(motion, window_ == 0 ? 0 : stride());
  if (provisional_) move_provisional(*provisional_, opposite(moved));
  return opposite(frame_.offset());
}

// The anchor the window reads, as its own window saw it (the frame a stream's first window has),
// or a cut's context, held at a low noise level, moved into the window's frame.
std::optional<StreamGenerator::AnchorRead> StreamGenerator::anchor_read(
    const WindowPlan& plan, bool cut, const std::array<int64_t, 2>& to_frame) const {
  if (cut) return AnchorRead{cut_context(to_frame), 0.0, (3 * options_.steps) / 4};
  if (const auto found = anchors_.for_plan(plan))
    return AnchorRead{*found->first, found->second, std::nullopt};
  return std::nullopt;
}

torch::Tensor StreamGenerator::generate_pinned(const WindowInput& window, Sampler& sampler,
                                               const SubjectTokens* subjects,
                                               const WindowCallbacks& callbacks) {
  TrajectorySource source;
  if (previous_) {
    source.previous = &*previous_;
    source.gate = gate_;
    const bool pinned = options_.blend == StreamOptions::BlendMode::PrefixPinned;
    source.pinned_frames = pinned ? options_.overlap : 0;
    source.subjects = subjects;
  }
  auto trajectory = denoise_trajectory(denoiser_, sampler, window.latents, window.cond,
                                       window.uncond, source, callbacks);
  const int64_t first = window_ == 0 ? 0 : options_.overlap;
  auto committed = trajectory.final_latents().narrow(1, first, frames_ - first);
  previous_ = std::move(trajectory);
  return committed;
}

// Video frame v comes from latent frame 0 (v = 0) or 1 + (v - 1) / ratio: the causal VAE
// expands the first latent frame to one video frame and every later one to `ratio`.
const WindowPlan& StreamGenerator::plan_of_frame(int64_t frame) {
  const int64_t ratio = components_->geometry().temporal_compression;
  const int64_t latent = frame == 0 ? 0 : 1 + (frame - 1) / ratio;
  auto it = std::prev(committed_plans_.upper_bound(latent));
  committed_plans_.erase(committed_plans_.begin(), it);  // earlier latents are all decoded
  return it->second;
}

std::vector<StreamFrame> StreamGenerator::to_frames(const torch::Tensor& decoded) {
  std::vector<StreamFrame> out;
  if (!decoded.defined() || decoded.size(2) == 0) return out;
  const auto rgb = times_.time(Stage::Convert,
                               [&] { return to_uint8_rgb(postprocess_video(decoded))[0].cpu(); });
  for (int64_t f = 0; f < rgb.size(0); ++f) {
    const auto& plan = plan_of_frame(frames_emitted_);
    out.push_back({rgb[f], frames_emitted_++, plan.to.id, plan.beta, plan.to.cut});
  }
  return out;
}

std::vector<StreamFrame> StreamGenerator::commit(const torch::Tensor& latents,
                                                 const WindowPlan& plan) {
  committed_plans_[first_committed_latent(window_)] = plan;
  if (callbacks_.on_committed_latents) callbacks_.on_committed_latents(window_, latents);
  torch::NoGradGuard no_grad;
  const auto decoded = times_.time(Stage::Decode, [&] { return decoder_->push(latents); });
  return to_frames(decoded);
}

std::vector<StreamFrame> StreamGenerator::next_window(const WindowCallbacks& callbacks) {
  if (finished_) throw std::runtime_error("StreamGenerator: next_window() after finish()");
  times_.clear();
  const WindowPlan plan = scheduler_.plan(first_new_frame(window_));
  const auto subjects = subjects_for(plan);
  if (callbacks_.on_window_started) callbacks_.on_window_started(window_, plan);
  if (plan.starts_transition() && callbacks_.on_transition_started)
    callbacks_.on_transition_started(plan.from.id, plan.to.id);
  const auto latents = generate(plan, subjects ? &*subjects : nullptr, callbacks);
  if (options_.anchor.enabled() && !plan.is_transition())
    anchors_.offer(plan, moved_by_pixels(latents, opposite(frame_.offset())),
                   embeddings_.for_plan(plan).cond);
  auto frames = commit(latents, plan);
  scheduler_.advance(plan);
  embeddings_.retain({plan.from.id, plan.to.id});
  timeline_->prune_before(first_new_frame(window_));  // plans hold copies of their entries
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
  times_.clear();
  std::vector<StreamFrame> frames;
  if (provisional_latents_.defined() && provisional_latents_.size(1) > 0)
    frames = commit(provisional_latents_, last_plan_);
  torch::NoGradGuard no_grad;
  const auto rest = times_.time(Stage::Decode, [&] { return decoder_->flush(); });
  for (auto& f : to_frames(rest)) frames.push_back(std::move(f));
  previous_.reset();
  provisional_.reset();
  provisional_latents_ = torch::Tensor();
  return frames;
}

}  // namespace ditstream
