#pragma once
// The endless causal generator (reference §5–7): chunk after chunk of F latent frames, each
// denoised in a few steps against the rolling K/V cache of the chunks before it, then decoded by
// the family's streaming VAE. Prompt switches take effect at the first chunk whose first frame is
// at or after the requested frame, by KV-recache (LongLive), by this project's DiTCtrl mapping or
// as a plain cut. Carried state is bounded: the cache, the last W clean latent frames (what a
// recache re-reads), the current and previous prompts' embeddings and the decoder's caches.

#include "core/control/rolling_kv_cache.h"
#include "core/model/video_vae.h"
#include "core/sampling/few_step_schedule.h"
#include "core/stream/causal_denoiser.h"
#include "core/stream/frame_generator.h"
#include "core/stream/overlapped_decoder.h"
#include "core/stream/pipeline_components.h"
#include "core/stream/prompt_embeddings.h"
#include "core/stream/prompt_timeline.h"

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ditstream {

// recache: one bidirectional t = 0 pass over the kept frames under the new prompt rebuilds the
// cache. ditctrl: the same pass rebuilds only the layers below the KV-sharing gate, so the gated
// (late) layers keep reading the previous prompt's K/V, and the first transition chunks use
// interpolated text embeddings. cut: the new prompt, nothing rebuilt or blended.
enum class SwitchMethod { Recache, Ditctrl, Cut };
SwitchMethod parse_switch_method(const std::string& name);  // throws naming the choices
const char* switch_method_name(SwitchMethod method);

struct CausalOptions {
  int64_t chunk_frames = 3;  // F
  FewStepOptions steps;
  int64_t window_frames = 21;  // W, counting the sink and the current chunk
  int64_t sink_frames = 0;     // S
  RopePositions positions = RopePositions::Relative;
  SwitchMethod switch_method = SwitchMethod::Recache;
  bool recache_sink = false;      // true: a recache re-encodes the sink too (global_sink false)
  int64_t transition_chunks = 1;  // ditctrl: chunks with interpolated embeddings
  // ditctrl: first layer keeping the old K/V (the kv-sharing-layers start); -1: the last sixth
  int64_t shared_from_layer = -1;
  int64_t seed = 42;
  // Decode chunk n while chunk n+1 is denoised (overlapped_decoder.h): frames come one
  // next_window() later. The session turns it on for CUDA.
  bool overlap_decode = false;
  int64_t latent_height = 0;  // 0: the family's default size
  int64_t latent_width = 0;
};

// The shipped settings of a checkpoint method: "self-forcing" (F 3, steps [1000, 750, 500, 250]
// warped with shift 5, W 21, no sink), "longlive" (the same with W 12, S 3) or "causvid" (shift 8,
// [1000, 757, 522] unwarped, W 21). Throws naming the accepted methods.
CausalOptions causal_defaults(const std::string& method);

// Chunk `chunk`'s noise: its start and the re-noise draws of steps 1.. (1, F, C, h, w), drawn on
// the CPU from stream_window_seed(seed, chunk), so a chunk's noise does not depend on the ones
// before it.
ChunkNoise causal_chunk_noise(const std::vector<int64_t>& shape, int64_t seed, int64_t chunk,
                              int64_t steps, torch::Device device);

class CausalGenerator : public FrameGenerator {
 public:
  // Throws naming the field when the options do not fit the model (a family without a causal
  // path, a chunk that does not fit the window, a bad step list).
  CausalGenerator(std::shared_ptr<const PipelineComponents> components, CausalOptions options,
                  std::shared_ptr<PromptTimeline> timeline);

  std::vector<StreamFrame> next_window(const WindowCallbacks& callbacks = {}) override;
  void check_prompt(const PromptEntry& entry) const override;
  std::vector<StreamFrame> finish() override;
  void set_callbacks(StreamCallbacks callbacks) override { callbacks_ = std::move(callbacks); }
  // Causal few-step models are distilled without classifier-free guidance: ignored.
  void set_guidance_scale(double) override {}
  int64_t frames_emitted() const override { return frames_emitted_; }
  int64_t windows_generated() const override { return chunk_; }
  int64_t first_new_frame(int64_t chunk) const override;
  int64_t steps() const override;
  double default_guidance() const override { return 1.0; }
  const StageTimes& last_window_times() const override { return times_; }

  const CausalOptions& options() const { return options_; }
  const RollingKvCache& cache() const { return cache_; }
  // Time of the latest switch pass (recache or ditctrl), 0 when the latest chunk had none.
  double last_switch_seconds() const { return last_switch_seconds_; }

 private:
  WindowPlan plan_chunk() const;
  torch::Tensor text_for(const WindowPlan& plan);
  void switch_prompt(const WindowPlan& plan, const torch::Tensor& text);
  std::vector<int64_t> chunk_shape() const;
  void keep(const torch::Tensor& latents);
  std::vector<StreamFrame> decode(const torch::Tensor& latents, const WindowPlan& plan);
  std::vector<StreamFrame> to_frames(const torch::Tensor& decoded, const WindowPlan& plan);

  std::shared_ptr<const PipelineComponents> components_;
  CausalOptions options_;
  std::shared_ptr<PromptTimeline> timeline_;
  RollingKvCache cache_;
  CausalDenoiser denoiser_;
  WindowScheduler scheduler_;
  PromptEmbeddings embeddings_;
  std::unique_ptr<LatentDecoder> decoder_;  // an OverlappedDecoder with overlap_decode
  WindowPlan decoding_plan_;                // overlap_decode: the plan of the chunk in flight
  StreamCallbacks callbacks_;
  StageTimes times_;
  std::optional<PromptEntry> current_;  // the prompt the cache was built under
  torch::Tensor kept_;                  // (1, <= W, C, h, w): the newest clean latent frames
  int64_t chunk_ = 0;
  int64_t frames_emitted_ = 0;
  double last_switch_seconds_ = 0;
};

}  // namespace ditstream
