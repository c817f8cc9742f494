#include "core/control/latent_motion.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace ditstream {

std::array<int64_t, 2> MotionFrame::advance(const LatentMotion& motion, int64_t frames) {
  const auto before = offset_;
  if (!motion.reframe) return {0, 0};
  dy_ += motion.dy * static_cast<double>(frames);
  dx_ += motion.dx * static_cast<double>(frames);
  offset_ = {std::llround(dy_), std::llround(dx_)};
  return {offset_[0] - before[0], offset_[1] - before[1]};
}

torch::Tensor moved_by_pixels(const torch::Tensor& frames, const std::array<int64_t, 2>& offset) {
  if (!frames.defined() || (offset[0] == 0 && offset[1] == 0)) return frames;
  return torch::roll(frames, {offset[0], offset[1]}, {-2, -1});
}

std::array<int64_t, 2> opposite(const std::array<int64_t, 2>& offset) {
  return {-offset[0], -offset[1]};
}

torch::Tensor translate_wrapped(const torch::Tensor& frames, double dx, double dy) {
  const int64_t d = frames.dim();
  const double fx = std::floor(dx), fy = std::floor(dy);
  const double ax = dx - fx, ay = dy - fy;
  const auto shifted = [&](double sx, double sy) {
    return torch::roll(frames, {static_cast<int64_t>(sy), static_cast<int64_t>(sx)},
                       {d - 2, d - 1});
  };
  auto out = shifted(fx, fy) * ((1 - ax) * (1 - ay));
  if (ax > 0) out += shifted(fx + 1, fy) * (ax * (1 - ay));
  if (ay > 0) out += shifted(fx, fy + 1) * ((1 - ax) * ay);
  if (ax > 0 && ay > 0) out += shifted(fx + 1, fy + 1) * (ax * ay);
  return out;
}

torch::Tensor moved_start_noise(const torch::Tensor& own, const torch::Tensor& field, int64_t first,
                                const LatentMotion& motion) {
  if (!(motion.noise >= 0.0 && motion.noise <= 1.0))
    throw std::invalid_argument("motion: the noise share must be in [0, 1], got " +
                                std::to_string(motion.noise));
  auto out = own.clone();
  for (int64_t j = 0; j < own.size(1); ++j) {
    const double g = static_cast<double>(first + j);
    const auto moved =
        torch::roll(field, {std::llround(g * motion.dy), std::llround(g * motion.dx)}, {-2, -1});
    out.select(1, j).mul_(std::sqrt(1.0 - motion.noise)).add_(moved, std::sqrt(motion.noise));
  }
  return out;
}

torch::Tensor steer_x0(const torch::Tensor& x0, int64_t first, const LatentMotion& motion) {
  if (first < 1 || first > x0.size(1))
    throw std::runtime_error("motion: the first moved frame " + std::to_string(first) +
                             " is outside [1, " + std::to_string(x0.size(1)) + "]");
  return steer_x0(x0, first, motion, x0.select(1, first - 1));
}

torch::Tensor steer_x0(const torch::Tensor& x0, int64_t first, const LatentMotion& motion,
                       const torch::Tensor& reference) {
  const int64_t frames = x0.size(1);
  auto out = x0.clone();
  for (int64_t j = first; j < frames; ++j) {
    const double k = static_cast<double>(j - first + 1);
    out.select(1, j).copy_(translate_wrapped(reference, k * motion.dx, k * motion.dy));
  }
  return out;
}

}  // namespace ditstream
