#pragma once
// One window of video from a prompt: text encoder -> sampler loop with CFG -> VAE -> uint8 RGB
// frames, for either model family.

#include "core/stream/pipeline_components.h"
#include "core/stream/stage_times.h"

#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>

namespace ditstream {

struct WindowOptions {
  std::string prompt;
  std::string negative_prompt;
  int64_t seed = 42;
  int64_t steps = 50;
  double guidance = 6.0;  // <= 1 disables classifier-free guidance
  bool dynamic_cfg = false;
  std::string sampler;        // empty: the scheduler folder's own (SamplerFactory::default_name)
  int64_t latent_frames = 0;  // 0: the family's window
  int64_t latent_height = 0;  // 0: the family's default size
  int64_t latent_width = 0;
};

struct WindowCallbacks {
  std::function<void(int64_t step, int64_t steps)> on_step;  // after each finished step
  std::function<bool()> cancelled;                           // polled between steps
  // Observes every transformer call: its latents, raw output (fp32, batch rows [uncond, cond])
  // and the guidance scale used.
  std::function<void(int64_t step, const torch::Tensor& latents, const torch::Tensor& raw,
                     double guidance)>
      on_model_output;
  StageTimes* times = nullptr;  // optional: KV-sharing and blending time of stream windows
};

struct WindowResult {
  torch::Tensor latents;  // (1, F, C, h, w) final latents
  torch::Tensor frames;   // (T, H, W, 3) uint8 RGB on the CPU
};

class WindowPipeline {
 public:
  explicit WindowPipeline(std::shared_ptr<const PipelineComponents> components);

  // (1, text_length, text_dim) in the runtime dtype. Needs a text encoder.
  torch::Tensor encode_prompt(const std::string& prompt) const;
  // Seeded N(0, 1) latents (1, F, C, h, w); drawn on the CPU in fp32 so every device agrees.
  // Zero sizes take the family's defaults.
  torch::Tensor initial_latents(int64_t seed, int64_t latent_frames, int64_t height = 0,
                                int64_t width = 0) const;
  // The sampler loop; latents come back in the runtime dtype.
  torch::Tensor denoise(torch::Tensor latents, const torch::Tensor& cond,
                        const torch::Tensor& uncond, const WindowOptions& options,
                        const WindowCallbacks& callbacks = {}) const;
  // Latents (1, F, C, h, w) -> frames in [0, 1], (T, 3, H, W) fp32.
  torch::Tensor decode(const torch::Tensor& latents) const;
  WindowResult render(const WindowOptions& options, const WindowCallbacks& callbacks = {}) const;

  const PipelineComponents& components() const { return *components_; }

 private:
  std::shared_ptr<const PipelineComponents> components_;
};

}  // namespace ditstream
