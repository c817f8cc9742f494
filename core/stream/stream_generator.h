#pragma once
// The endless window-by-window generator (ditctrl-spec §8.3). Each next_window() denoises one
// window of T latent frames, commits S = T - O latent frames and returns the video frames the
// streaming VAE decoder finished. Window n >= 1 overlaps window n-1 by O latent frames and reads
// its K/V inside the KV-sharing gate. Deferred mode (option B, default) keeps the last O frames
// provisional until the next window has blended them (deferred_window.h): window n commits
// latent frames [nS, (n+1)S). PrefixPinned (option A) commits everything at once and pins the
// next window's first O frames to the replayed trajectory: window 0 commits [0, T), window n
// [T + (n-1)S, T + nS). Carried state is bounded: one window's per-step states or sums, the
// embeddings of the current and pending prompt, the decoder caches.
#include "core/control/kv_sharing.h"
#include "core/control/window_layout.h"
#include "core/model/video_vae.h"
#include "core/stream/anchor_memory.h"
#include "core/stream/deferred_window.h"
#include "core/stream/frame_generator.h"
#include "core/stream/guided_denoiser.h"
#include "core/stream/overlapped_decoder.h"
#include "core/stream/pipeline_components.h"
#include "core/stream/prompt_embeddings.h"
#include "core/stream/prompt_timeline.h"
#include "core/stream/stage_times.h"
#include "core/stream/window_pipeline.h"
#include "core/stream/window_scheduler.h"
#include "core/stream/window_trajectory.h"

#include <torch/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ditstream {

struct StreamOptions {
  enum class BlendMode {
    Deferred,      // option B: the last O latent frames stay provisional until the next window
                   // has blended them; latency O latent frames
    PrefixPinned,  // option A: the overlap replays the previous window's trajectory
    Off,           // ablation: every window from its own noise, its last S frames appended
    Randomized,    // StreamingT2V: Deferred, each step's overlap split at a frame drawn from the
                   // seed: the carried prediction before it, the new window's from it on
  };

  int64_t overlap = kAutoOverlap;  // O latent frames, < T (auto: T / 2)
  int64_t transition_windows = 1;  // NT; a prompt's own transition_windows (>= 0) wins
  int64_t steps = 50;
  std::string sampler;  // a SamplerFactory name; empty: ditctrl_sampler(components)
  GuidanceOptions guidance;
  int64_t seed = 42;
  bool kv_sharing = true;
  bool mask_guided = false;  // spec §5 fusion on subject tokens (entries' words/tokens, or auto)
  double mask_threshold = 0.3;
  std::optional<KvSharingGate> kv_gate;  // unset: KvSharingGate::defaults_for(layers, steps)
  BlendMode blend = BlendMode::Deferred;
  // > 0: a window's plain passes reuse the blocks' residual while the first block's changes less
  // than this (step_cache.h; approximate, deferred blending only). 0: off.
  double step_cache = 0.0;
  // Decode window n while window n+1 is denoised (overlapped_decoder.h): frames come one
  // next_window() later, finish() returns the rest. The session turns it on for CUDA.
  bool overlap_decode = false;
  // Anchor memory (anchor_memory.h; deferred blending only).
  AnchorOptions anchor;
  // Motion control (latent_motion.h; deferred blending only); a prompt's own motion wins.
  LatentMotion motion;
  int64_t latent_frames = 0;  // T; 0: the family's window
  int64_t latent_height = 0;  // 0: the family's default size
  int64_t latent_width = 0;
};

// "deferred" | "prefix-pinned" | "off" | "randomized"; throws naming the accepted names.
StreamOptions::BlendMode parse_blend_mode(const std::string& name);
std::string blend_mode_name(StreamOptions::BlendMode mode);

// Transition windows a prompt may ask for.
constexpr int64_t kMaxTransitionWindows = 64;

// The seed of window n: `seed` itself for window 0 (so it equals WindowPipeline), mixed after.
int64_t stream_window_seed(int64_t seed, int64_t window);

class StreamGenerator : public FrameGenerator {
 public:
  StreamGenerator(std::shared_ptr<const PipelineComponents> components, StreamOptions options,
                  std::shared_ptr<PromptTimeline> timeline);

  // Generates one window. A cancelled window (SamplingCancelled) or a rejected prompt
  // (PromptRejected, thrown before any callback) changes no state: the next call generates the
  // same window again.
  std::vector<StreamFrame> next_window(const WindowCallbacks& callbacks = {}) override;
  // Throws std::invalid_argument naming the field when a prompt cannot be used by this stream
  // (transition windows out of range; with mask-guided KV-sharing, subject words that are not
  // among the prompt's T5 tokens or token indices outside the text). Thread-safe: reads only
  // what the constructor set.
  void check_prompt(const PromptEntry& entry) const override;
  // Ends the stream; next_window() throws afterwards. Commits the provisional frames of Deferred
  // mode as the last window left them, and decodes what the decoder still holds back (it decodes
  // in pairs): a lone last latent frame is a one-frame chunk, which the causal VAE decodes to 1
  // video frame, not 4.
  std::vector<StreamFrame> finish() override;

  void set_callbacks(StreamCallbacks callbacks) override { callbacks_ = std::move(callbacks); }
  // The options in force, with the model's defaults resolved (overlap, sampler).
  const StreamOptions& options() const { return options_; }
  // The classifier-free guidance scale from the next window on (<= 1: off).
  void set_guidance_scale(double scale) override { denoiser_.set_scale(scale); }
  int64_t frames_emitted() const override { return frames_emitted_; }
  int64_t windows_generated() const override { return window_; }
  int64_t steps() const override { return options_.steps; }
  double default_guidance() const override { return options_.guidance.scale; }
  int64_t window_latent_frames() const { return frames_; }
  int64_t stride() const { return frames_ - options_.overlap; }
  // First video frame that window n's new latent frames decode to.
  int64_t first_new_frame(int64_t window) const override;
  // Stage times of the latest next_window() (or finish()).
  const StageTimes& last_window_times() const override { return times_; }

 private:
  int64_t first_committed_latent(int64_t window) const;
  bool deferred() const;  // Deferred or Randomized: the last O frames stay provisional
  Anchor cut_context(const std::array<int64_t, 2>& to_frame) const;
  struct AnchorRead {
    Anchor anchor;
    double log_weight;
    std::optional<int64_t> held_step;
  };
  std::array<int64_t, 2> follow_motion(const LatentMotion& motion);
  std::optional<AnchorRead> anchor_read(const WindowPlan& plan, bool cut,
                                        const std::array<int64_t, 2>& to_frame) const;
  // Randomized blending's seam per step of this window, drawn from the window's seed.
  std::function<int64_t(int64_t)> seams(int64_t seed) const;
  // The window's motion control: the options', or the prompt's own motion with their settings.
  LatentMotion motion(const WindowPlan& plan) const;
  // The window's noise, moved with its motion (latent_motion.h).
  torch::Tensor start_latents(const WindowPlan& plan, int64_t seed) const;
  // Denoises the window and returns the latents it commits; the carried state changes only when
  // it returns.
  torch::Tensor generate(const WindowPlan& plan, const SubjectTokens* subjects,
                         const WindowCallbacks& callbacks);
  torch::Tensor generate_deferred(const WindowPlan& plan, const WindowInput& window,
                                  Sampler& sampler, const SubjectTokens* subjects,
                                  const WindowCallbacks& callbacks);
  torch::Tensor generate_pinned(const WindowInput& window, Sampler& sampler,
                                const SubjectTokens* subjects, const WindowCallbacks& callbacks);
  // Throws PromptRejected for plan.to when its subjects cannot be resolved.
  std::optional<SubjectTokens> subjects_for(const WindowPlan& plan) const;
  std::vector<StreamFrame> commit(const torch::Tensor& latents, const WindowPlan& plan);
  const WindowPlan& plan_of_frame(int64_t frame);
  std::vector<StreamFrame> to_frames(const torch::Tensor& decoded);

  std::shared_ptr<const PipelineComponents> components_;
  StreamOptions options_;
  std::shared_ptr<PromptTimeline> timeline_;
  int64_t frames_;  // T
  KvSharingGate gate_;
  WindowPipeline pipeline_;
  GuidedDenoiser denoiser_;
  WindowScheduler scheduler_;
  PromptEmbeddings embeddings_;
  AnchorMemory anchors_;
  KvSharingGate anchor_gate_;
  std::unique_ptr<LatentDecoder> decoder_;
  StreamCallbacks callbacks_;
  StageTimes times_;
  std::optional<WindowTrajectory> previous_;       // PrefixPinned, Off
  std::optional<ProvisionalFrames> provisional_;   // Deferred, in the window frame
  MotionFrame frame_;                              // where motion control's frame stands
  torch::Tensor provisional_latents_;              // Deferred: the last window's frames [S, T)
  WindowPlan last_plan_;                           // the provisional frames' and mask pairs' plan
  std::map<int64_t, WindowPlan> committed_plans_;  // first committed latent -> its window's plan
  int64_t window_ = 0;
  int64_t frames_emitted_ = 0;
  bool finished_ = false;
};

}  // namespace ditstream
