#pragma once
// One window of option B, deferred-commit blending (ditctrl-spec §8.3). Window n covers the
// stream's latent frames [nS, nS+T); its first O frames are provisional: earlier runs denoised
// them but did not commit them. They restart from their stored initial noise, and at every step
// the x0-predictions are blended per frame with the triangular weights w (spec §3):
//   frame j >= O:  (w_j·Sh_n + w_j·Pl_n) / 2w_j
//   frame j <  O:  the same sums plus the carried sums of passes that will not run again
//                  (Sh_{n-1}, and older windows when O > S) plus w_{S+j}·Pl_{n-1}, each with its
//                  weight in the denominator.
// Pl_n is the window's plain pass and Sh_n the pass that reads window n-1's K/V (equal to Pl_n
// outside the KV-sharing gate). Pl_{n-1} is evaluated afresh at the gated steps, where the pair
// forward needs window n-1 anyway; elsewhere run n-1's stored value is used (the spec's
// "staleness"). Carried values were predicted at another run's states, so blending is done on
// x0-predictions, not on model outputs. Window 0 has its plain pass only. After the run, frames
// [0, S) are final and [S, T) are the next run's provisional frames.

#include "core/control/latent_motion.h"
#include "core/control/subject_tokens.h"
#include "core/sampling/sampler.h"
#include "core/stream/anchor_memory.h"
#include "core/stream/guided_denoiser.h"
#include "core/stream/window_pipeline.h"

#include <torch/types.h>

#include <array>
#include <functional>
#include <vector>

namespace ditstream {

// What run n+1 needs from run n; sums and states are per step.
struct ProvisionalFrames {
  torch::Tensor noise;                   // (1, O, C, h, w) initial noise of the O frames
  std::vector<torch::Tensor> fixed;      // Σ weight·x0 (fp32) of passes that will not run again
  std::vector<double> fixed_weight;      // per frame, the weights summed in `fixed`
  std::vector<torch::Tensor> plain;      // w_{S+j}·x0 of window n's plain pass on those frames
  std::vector<torch::Tensor> committed;  // window n's frames [0, S) at the gated steps
  torch::Tensor cond;                    // window n's text, for the pair forwards of run n+1
  torch::Tensor uncond;
};

// Moves every carried frame by `offset` whole pixels, for a window frame that moved
// (MotionFrame, latent_motion.h).
void move_provisional(ProvisionalFrames& frames, const std::array<int64_t, 2>& offset);

struct DeferredWindow {
  torch::Tensor latents;  // (1, T, C, h, w) after the last step; frames [0, S) are final
  ProvisionalFrames provisional;
};

// Opt-in controls of a run.
struct DeferredControls {
  double step_cache = 0.0;        // > 0: a FirstBlockCache for the window's plain passes
  AnchorSteps* anchor = nullptr;  // anchor memory read by every pass at its steps
  // StreamingT2V's randomized blending: at step s the provisional frames before seam(s) (in
  // [0, O]) take the carried passes' prediction (their weighted mean), the frames from it on
  // this window's own passes; unset: the triangular weights.
  std::function<int64_t(int64_t step)> seam;
  // Motion control (latent_motion.h) at the motion steps; the reference frame is the last
  // provisional one (frame 0 in a run without a previous one).
  LatentMotion motion;
};

// `window.latents` is the window's fresh initial noise; its first O frames are replaced by
// `previous->noise`. `subjects` is needed for mask-guided sharing only. Throws SamplingCancelled
// when callbacks.cancelled() turns true before a step.
DeferredWindow denoise_deferred(const GuidedDenoiser& denoiser, Sampler& sampler,
                                const WindowInput& window, int64_t overlap,
                                const ProvisionalFrames* previous, const SubjectTokens* subjects,
                                const WindowCallbacks& callbacks,
                                const DeferredControls& controls = {});

}  // namespace ditstream
