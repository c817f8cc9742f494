#pragma once
// DiTCtrl's latent blending (ditctrl-spec §3): every pass covering a global frame contributes its
// x0-prediction with the triangular weight of its window-local index; frames are normalised by the
// summed weights. The numerator/denominator are exposed so a stream can carry them between runs
// (§8.3 option B: Acc/Den of provisional frames).

#include "core/control/window_layout.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ditstream {

// w[j] = min((2j+1)/T, 2 - (2j+1)/T), j = 0..T-1; for T = 13: [1,3,..,13,..,3,1] / 13.
std::vector<double> blend_weights(int64_t T);

struct PassShare {
  int64_t window = 0;
  int64_t local_frame = 0;   // g - start(window)
  int64_t multiplicity = 1;  // passes of that window (§2.3)
  double share = 0.0;        // multiplicity * w[local_frame] / sum over covering windows
};

// For every global frame g of the layout, the normalised share of each covering window (a middle
// window's share is that of both its passes together), as tabulated in §3.2.
std::vector<std::vector<PassShare>> effective_blend_weights(const WindowLayout& layout);

// Per-frame weighted sum. The frame axis is `frame_dim` of every tensor added; the other axes are
// fixed by the first add. Accumulates in at least fp32 on the first tensor's device.
class BlendAccumulator {
 public:
  explicit BlendAccumulator(int64_t frames, int64_t frame_dim = 1);

  // One full-window pass: weights blend_weights(x.size(frame_dim)) times multiplicity.
  void add(int64_t start, const torch::Tensor& x, double multiplicity = 1.0);
  // Explicit per-frame weights, e.g. w[S..T) for the tail of an earlier window.
  void add_weighted(int64_t start, const torch::Tensor& x, const std::vector<double>& weights);
  // Already weighted sums (numerator slice and its per-frame weight sums), e.g. carried Acc/Den.
  void add_accumulated(int64_t start, const torch::Tensor& numerator,
                       const std::vector<double>& denominator);

  int64_t frames() const { return frames_; }
  int64_t frame_dim() const { return frame_dim_; }
  const torch::Tensor& numerator() const { return numerator_; }  // undefined before any add
  const std::vector<double>& denominator() const { return denominator_; }
  // numerator / denominator per frame; throws if some frame received no weight.
  torch::Tensor result() const;

 private:
  void check_range(int64_t start, int64_t count, const char* what) const;
  void ensure_storage(const torch::Tensor& like);
  torch::Tensor frame_column(const std::vector<double>& values, int64_t count) const;

  int64_t frames_;
  int64_t frame_dim_;
  torch::Tensor numerator_;
  std::vector<double> denominator_;
};

struct WindowPass {
  int64_t start = 0;  // global frame of the window's first frame
  torch::Tensor x0;   // the pass's (CFG-combined) x0-prediction
  double multiplicity = 1.0;
};

// The blended long tensor of `frames` frames from full-window passes.
torch::Tensor blend_frames(const std::vector<WindowPass>& passes, int64_t frames,
                           int64_t frame_dim = 1);

}  // namespace ditstream
