#pragma once
// DiTCtrl's long-latent window schedule (ditctrl-spec §2.1): K windows of T latent frames at
// stride S = T - O; window n covers global latent frames [n S, n S + T).

#include <cstdint>
#include <vector>

namespace ditstream {

// Field names follow the spec's notation.
struct WindowLayout {
  int64_t T = 13;  // latent frames per window
  int64_t O = 0;   // overlap of adjacent windows
  int64_t S = 13;  // stride, T - O
  int64_t K = 1;   // windows
  int64_t L = 13;  // long-latent frames, T + (K - 1) S

  int64_t start(int64_t n) const { return n * S; }
  // Passes of window n that enter the blend: 2 for middle windows (target of pair (n-1, n) and
  // source of pair (n, n+1)), 1 for the first and the last (§2.3).
  int64_t multiplicity(int64_t n) const;
  // Windows covering global latent frame g, in increasing order.
  std::vector<int64_t> windows_covering(int64_t g) const;
  // Frames of the decoded long video (causal VAE, 4x in time): 1 + 4 (L - 1).
  int64_t video_frames() const { return 1 + 4 * (L - 1); }
};

// K windows given directly (e.g. a stream that appends windows on demand).
WindowLayout window_layout(int64_t T, int64_t O, int64_t K);

// First video frame that latent frame `latent` decodes to: the causal VAE decodes latent frame 0
// to one video frame and every later one to `ratio` (temporal_compression_ratio).
inline int64_t first_video_frame(int64_t latent, int64_t ratio) {
  return latent == 0 ? 0 : ratio * (latent - 1) + 1;
}

// The overlap to use for windows of T latent frames: O itself, or T / 2 when O is kAutoOverlap
// (DiTCtrl's 6 for CogVideoX's 13).
constexpr int64_t kAutoOverlap = -1;
int64_t resolve_overlap(int64_t O, int64_t T);

// The offline multi-prompt schedule: K = P + NT (P - 1) + mid max(P - 2, 0).
WindowLayout multi_prompt_layout(int64_t T, int64_t O, int64_t prompts, int64_t transitions,
                                 int64_t mid = 0);

}  // namespace ditstream
