#pragma once
// One step's model evaluations for windows of a stream: classifier-free guidance, and DiTCtrl
// pairs in which a target window reads its source window's K/V. Returns guided v-predictions
// (fp32), which blend per frame exactly like x0-predictions (same coefficients at a step).

#include "core/control/anchor_attention.h"
#include "core/control/kv_sharing.h"
#include "core/control/mask_guided.h"
#include "core/control/subject_tokens.h"
#include "core/parallel/forward_call.h"
#include "core/stream/pipeline_components.h"

#include <torch/types.h>

#include <memory>
#include <utility>

namespace ditstream {

struct WindowInput {
  torch::Tensor latents;  // (1, F, C, h, w)
  torch::Tensor cond;     // (1, text_len, text_dim)
  torch::Tensor uncond;   // (1, text_len, text_dim)
  // The step's anchor memory (anchor_attention.h); every row of the window's forwards reads it.
  const AnchorStep* anchor = nullptr;
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

// The three guided passes of a deferred window at a gated step (ditctrl-spec §8.3).
struct GatedPrediction {
  torch::Tensor source;  // the source window's plain pass
  torch::Tensor plain;   // the target's plain pass
  torch::Tensor shared;  // the target reading the source's K/V inside the gate
};

class GuidedDenoiser {
 public:
  GuidedDenoiser(std::shared_ptr<const PipelineComponents> components, GuidanceOptions guidance,
                 KvSharingOptions sharing);

  // Guided v of one window at timestep t (step index `step` of `num_steps`); `cache` (a step
  // cache kept over the window's steps) may skip blocks.
  torch::Tensor predict(const WindowInput& window, double t, int64_t step, int64_t num_steps,
                        BlockCache* cache = nullptr) const;
  // The transformer's raw output (fp32) for one window: rows [uncond, cond] when guided, else
  // [cond]; `guide` combines the rows with the step's scale.
  torch::Tensor predict_raw(const WindowInput& window, double t, int64_t step,
                            BlockCache* cache = nullptr) const;
  double scale(double t, int64_t num_steps) const;
  torch::Tensor guide(const torch::Tensor& raw, double t, int64_t num_steps) const;
  // Guided v of a source and a target window evaluated together; the source's result is an
  // ordinary forward, the target reads the source's K/V inside the gate. Mask-guided sharing
  // needs the pair's subject tokens.
  std::pair<torch::Tensor, torch::Tensor> predict_pair(
      const WindowInput& source, const WindowInput& target, double t, int64_t step,
      int64_t num_steps, const SubjectTokens* subjects = nullptr) const;

  // The same three passes as predict_pair plus predict(target) in one forward: the target's
  // shared pass forks off its plain pass where the gate's layers begin, so the layers below
  // the gate run once for both (the floor: 2 + (L - layer_start) / L plain passes).
  // `cache`, kept over the window's gated steps, may skip the blocks after the first.
  GatedPrediction predict_gated(const WindowInput& source, const WindowInput& target, double t,
                                int64_t step, int64_t num_steps,
                                const SubjectTokens* subjects = nullptr,
                                BlockCache* cache = nullptr) const;

  // The K/V at `gate`'s layers of one forward of `latents` (an anchor at step `step`'s noise
  // level) conditioned on `cond`.
  AnchorKv anchor_kv(const torch::Tensor& latents, const torch::Tensor& cond, double t,
                     int64_t step, const KvSharingGate& gate) const;

  bool guided() const { return guidance_.scale > 1.0; }
  // Between windows only: a window keeps the scale it started with.
  void set_scale(double scale) { guidance_.scale = scale; }
  const KvSharingOptions& sharing() const { return sharing_; }

 private:
  ForwardCall call(const std::vector<torch::Tensor>& latents,
                   const std::vector<torch::Tensor>& text, std::vector<BatchRole> roles, double t,
                   int64_t step, const AnchorStep* anchor) const;
  // Through the components' executor (other ranks may run some rows); here with a cache.
  torch::Tensor forward(const ForwardCall& call, BlockCache* cache = nullptr) const;
  ControlSpec control_spec(int64_t step, const SubjectTokens* subjects,
                           const torch::Tensor& latents, const KvSharingLayout& layout) const;

  std::shared_ptr<const PipelineComponents> components_;
  std::shared_ptr<const ForwardExecutor> executor_;
  GuidanceOptions guidance_;
  KvSharingOptions sharing_;
};

}  // namespace ditstream
