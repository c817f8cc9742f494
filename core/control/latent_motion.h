#pragma once
// Motion control (long-stream-methods.md, after Text2Video-Zero's motion dynamics), in three
// parts. Start latents (a share `noise`, off by default): each window starts from noise that is
// partly one stream-wide noise field translated with the motion (frame g of the stream: the
// field moved g·(dx, dy)), so what the model makes of the noise moves the asked way. Steering: at
// the first steps of a window, the x0-prediction of every frame j after a reference frame is
// replaced by the reference translated by (j - ref)·(dx, dy) latent pixels, with wrap-around, and
// the sampler goes on from there; the later steps refine the moved content. The stream's reference
// is the window's first frame as blended with what the previous window carried
// (deferred_window.cpp), so the translation continues from window to window. Reframing: each window
// is denoised in a frame moved with the motion so far (whole latent pixels, wrap-around) and its
// result moved back, so every window sees the moving content where a stream's first window has it;
// a model that learned where objects start and end from single clips keeps moving them across
// window boundaries.

#include <torch/types.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace ditstream {

struct LatentMotion {
  double dx = 0.0;     // latent pixels per latent frame, + is right
  double dy = 0.0;     // + is down
  double steps = 0.5;  // the fraction of a window's steps steered, from the first (at least one)
  // The variance share of a window's start noise that is the moved stream field (0: the
  // window's own noise only). Both defaults chosen by ShapesBench's long streams (RESULTS.md):
  // reframed windows need no moved noise, which costs colour.
  double noise = 0.0;
  bool reframe = true;

  bool moves() const { return dx != 0.0 || dy != 0.0; }
  bool steers(int64_t step, int64_t num_steps) const {
    return step < std::max<int64_t>(1, static_cast<int64_t>(steps * double(num_steps) + 0.5));
  }
};

// A stream's window frame: the motion's displacement over the latent frames passed, and its
// whole-pixel offset (dy, dx).
class MotionFrame {
 public:
  // Passes `frames` latent frames of `motion` (nothing unless it reframes); returns the change
  // of the offset.
  std::array<int64_t, 2> advance(const LatentMotion& motion, int64_t frames);
  const std::array<int64_t, 2>& offset() const { return offset_; }

 private:
  double dy_ = 0.0, dx_ = 0.0;
  std::array<int64_t, 2> offset_{0, 0};
};

// (..., h, w) moved by `offset` (dy, dx) whole pixels on the torus (the tensor itself at 0).
torch::Tensor moved_by_pixels(const torch::Tensor& frames, const std::array<int64_t, 2>& offset);
std::array<int64_t, 2> opposite(const std::array<int64_t, 2>& offset);

// (..., h, w) moved by (dx, dy) pixels on the torus: bilinear between the four integer shifts
// (grid_sample with circular padding, which grid_sample itself does not offer).
torch::Tensor translate_wrapped(const torch::Tensor& frames, double dx, double dy);

// A window's start noise `own` (1, F, C, h, w) whose frame 0 is frame `first` of the stream:
// frame j becomes sqrt(noise)·field moved (first + j)·(dx, dy) + sqrt(1 - noise)·own's frame j,
// `field` being (C, h, w). Moves by whole pixels (rounded), so the result stays N(0, 1).
torch::Tensor moved_start_noise(const torch::Tensor& own, const torch::Tensor& field, int64_t first,
                                const LatentMotion& motion);

// x0 (1, F, C, h, w) with frames [first, F) replaced by `reference` (1, C, h, w) moved
// j - first + 1 steps of `motion`.
torch::Tensor steer_x0(const torch::Tensor& x0, int64_t first, const LatentMotion& motion,
                       const torch::Tensor& reference);
// The same with frame first - 1 as the reference.
torch::Tensor steer_x0(const torch::Tensor& x0, int64_t first, const LatentMotion& motion);

}  // namespace ditstream
