#pragma once
// One window's sampler loop that records its per-step states, optionally pinned to the previous
// window (ditctrl-spec §8.3 option A): before every step and after the last, the window's first
// O frames are replaced by the previous window's frames [S, T) at the same step, and inside the
// KV-sharing gate the window reads the previous window's K/V at that step.

#include "core/control/kv_sharing.h"
#include "core/control/subject_tokens.h"
#include "core/sampling/sampler.h"
#include "core/stream/guided_denoiser.h"
#include "core/stream/window_pipeline.h"

#include <torch/types.h>

#include <vector>

namespace ditstream {

struct WindowTrajectory {
  std::vector<torch::Tensor> states;  // states[s]: input of step s; states.back(): final latents
  torch::Tensor cond;
  torch::Tensor uncond;

  const torch::Tensor& final_latents() const { return states.back(); }
};

struct TrajectorySource {
  const WindowTrajectory* previous = nullptr;  // null: a free window (no pinning, no sharing)
  int64_t pinned_frames = 0;                   // O; 0: not pinned
  KvSharingGate gate;                          // steps where the pair forward is run
  const SubjectTokens* subjects = nullptr;     // for mask-guided sharing
};

// Runs every step of `sampler` from `latents` (1, T, C, h, w). Throws SamplingCancelled when
// callbacks.cancelled() turns true before a step.
WindowTrajectory denoise_trajectory(const GuidedDenoiser& denoiser, Sampler& sampler,
                                    torch::Tensor latents, const torch::Tensor& cond,
                                    const torch::Tensor& uncond, const TrajectorySource& source,
                                    const WindowCallbacks& callbacks);

}  // namespace ditstream
