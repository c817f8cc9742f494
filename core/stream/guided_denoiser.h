#pragma once
// One step's model evaluations for windows of a stream: classifier-free guidance, and DiTCtrl
// pairs in which a target window reads its source window's K/V. Returns guided v-predictions
// (fp32), which blend per frame exactly like x0-predictions (same coefficients at a step).

#include "core/control/kv_sharing.h"
#include "core/control/mask_guided.h"
#include "core/control/subject_tokens.h"
#include "core/stream/pipeline_components.h"

#include <torch/types.h>

#include <memory>
#include <utility>

namespace ditstream {

struct WindowInput {
  torch::Tensor latents;  // (1, F, C, h, w)
  torch::Tensor cond;     // (1, text_len, text_dim)
  torch::Tensor uncond;   // (1, text_len, text_dim)
};

struct GuidanceOptions {
  double scale = 6.0;  // <= 1 disables classifier-free guidance
  bool dynamic = false;
};

struct KvSharingOptions {
  KvSharingGate gate;        // empty: no sharing
  bool mask_guided = false;  // fuse by subject masks (spec §5); pairs then need SubjectTokens
  double mask_threshold = 0.3;
};

class GuidedDenoiser {
 public:
  GuidedDenoiser(std::shared_ptr<const PipelineComponents> components, GuidanceOptions guidance,
                 KvSharingOptions sharing);

  // Guided v of one window at timestep t (step index `step` of `num_steps`).
  torch::Tensor predict(const WindowInput& window, double t, int64_t step, int64_t num_steps) const;
  // The transformer's raw output (fp32) for one window: rows [uncond, cond] when guided, else
  // [cond]; `guide` combines the rows with the step's scale.
  torch::Tensor predict_raw(const WindowInput& window, double t, int64_t step) const;
  double scale(double t, int64_t num_steps) const;
  torch::Tensor guide(const torch::Tensor& raw, double t, int64_t num_steps) const;
  // Guided v of a source and a target window evaluated together; the source's result is an
  // ordinary forward, the target reads the source's K/V inside the gate. Mask-guided sharing
  // needs the pair's subject tokens.
  std::pair<torch::Tensor, torch::Tensor> predict_pair(
      const WindowInput& source, const WindowInput& target, double t, int64_t step,
      int64_t num_steps, const SubjectTokens* subjects = nullptr) const;

  bool guided() const { return guidance_.scale > 1.0; }
  // Between windows only: a window keeps the scale it started with.
  void set_scale(double scale) { guidance_.scale = scale; }
  const KvSharingOptions& sharing() const { return sharing_; }

 private:
  torch::Tensor forward(const std::vector<torch::Tensor>& latents,
                        const std::vector<torch::Tensor>& text, std::vector<BatchRole> roles,
                        double t, int64_t step, AttentionControl* control) const;
  std::unique_ptr<AttentionControl> make_control(int64_t step, const SubjectTokens* subjects,
                                                 const torch::Tensor& latents) const;

  std::shared_ptr<const PipelineComponents> components_;
  GuidanceOptions guidance_;
  KvSharingOptions sharing_;
};

}  // namespace ditstream
