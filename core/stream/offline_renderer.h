#pragma once
// DiTCtrl's joint multi-prompt algorithm (ditctrl-spec §2.3) for a known prompt list: all windows
// of one long latent are denoised step-synchronously; each adjacent pair is one forward in which
// the later window reads the earlier one's K/V; the guided predictions are blended per frame
// with the triangular weights and one sampler update moves the whole latent. It is the
// yardstick for the streaming modes and renders prompt lists to files.
// Deviation: the unconditional branch uses the negative prompt's embedding (diffusers' CogVideoX
// pipeline), where DiTCtrl's SAT code feeds zeros; with one prompt this equals WindowPipeline.

#include "core/control/window_layout.h"
#include "core/stream/guided_denoiser.h"
#include "core/stream/prompt_timeline.h"
#include "core/stream/window_pipeline.h"

#include <string>
#include <vector>

namespace ditstream {

struct OfflineOptions {
  int64_t overlap = kAutoOverlap;  // O; the paper's (6,1), the authors' repo (9,2)
  int64_t transition_windows = 1;  // NT
  int64_t mid = 0;                 // extra windows for middle prompts
  int64_t steps = 50;
  std::string sampler;  // empty: ditctrl_sampler(components)
  GuidanceOptions guidance;
  int64_t seed = 42;
  bool kv_sharing = true;     // the gate scales DiTCtrl's steps [2,25) / layers [25,30)
  bool mask_guided = false;   // spec §5 fusion; subjects from the entries (window_subjects.h)
  bool blending = true;       // off: each frame takes the newest window's prediction
  int64_t latent_height = 0;  // 0: the family's default size
  int64_t latent_width = 0;
};

struct OfflineResult {
  WindowLayout layout;
  torch::Tensor latents;  // (1, L, C, h, w)
  torch::Tensor frames;   // (1 + 4(L-1), H, W, 3) uint8 RGB on the CPU
};

class OfflineRenderer {
 public:
  explicit OfflineRenderer(std::shared_ptr<const PipelineComponents> components);

  // Uses each entry's text and subject words or tokens; frames and ids are ignored.
  OfflineResult render(const std::vector<PromptEntry>& prompts, const std::string& negative_prompt,
                       const OfflineOptions& options, const WindowCallbacks& callbacks = {}) const;
  OfflineResult render(const std::vector<std::string>& prompts, const std::string& negative_prompt,
                       const OfflineOptions& options, const WindowCallbacks& callbacks = {}) const;

 private:
  std::shared_ptr<const PipelineComponents> components_;
  WindowPipeline pipeline_;
};

}  // namespace ditstream
