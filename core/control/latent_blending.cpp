#include "core/control/latent_blending.h"

#include <torch/torch.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ditstream {

std::vector<double> blend_weights(int64_t T) {
  if (T < 1) throw std::runtime_error("blend_weights: T must be >= 1, got " + std::to_string(T));
  std::vector<double> w(static_cast<size_t>(T));
  for (int64_t j = 0; j < T; ++j) {
    const double r = static_cast<double>(2 * j + 1) / static_cast<double>(T);
    w[static_cast<size_t>(j)] = std::min(r, 2.0 - r);
  }
  return w;
}

std::vector<std::vector<PassShare>> effective_blend_weights(const WindowLayout& layout) {
  const auto w = blend_weights(layout.T);
  std::vector<std::vector<PassShare>> table(static_cast<size_t>(layout.L));
  for (int64_t g = 0; g < layout.L; ++g) {
    auto& row = table[static_cast<size_t>(g)];
    double total = 0.0;
    for (const int64_t n : layout.windows_covering(g)) {
      const int64_t j = g - layout.start(n);
      const int64_t m = layout.multiplicity(n);
      row.push_back({n, j, m, static_cast<double>(m) * w[static_cast<size_t>(j)]});
      total += row.back().share;
    }
    for (auto& p : row) p.share /= total;
  }
  return table;
}

BlendAccumulator::BlendAccumulator(int64_t frames, int64_t frame_dim)
    : frames_(frames), frame_dim_(frame_dim), denominator_(static_cast<size_t>(frames), 0.0) {
  if (frames < 1 || frame_dim < 0)
    throw std::runtime_error("BlendAccumulator: need frames >= 1 and frame_dim >= 0, got " +
                             std::to_string(frames) + ", " + std::to_string(frame_dim));
}

void BlendAccumulator::check_range(int64_t start, int64_t count, const char* what) const {
  if (start < 0 || count < 0 || start + count > frames_)
    throw std::runtime_error(std::string("BlendAccumulator::") + what + ": frames [" +
                             std::to_string(start) + ", " + std::to_string(start + count) +
                             ") outside [0, " + std::to_string(frames_) + ")");
}

void BlendAccumulator::ensure_storage(const torch::Tensor& like) {
  if (like.dim() <= frame_dim_)
    throw std::runtime_error("BlendAccumulator: tensor of rank " + std::to_string(like.dim()) +
                             " has no frame axis " + std::to_string(frame_dim_));
  auto shape = like.sizes().vec();
  shape[static_cast<size_t>(frame_dim_)] = frames_;
  if (numerator_.defined()) {
    if (numerator_.sizes().vec() != shape) {
      std::ostringstream message;
      message << "BlendAccumulator: tensor of shape " << like.sizes()
              << " does not fit the accumulated shape " << numerator_.sizes();
      throw std::runtime_error(message.str());
    }
    return;
  }
  const auto dtype = torch::promote_types(like.scalar_type(), torch::kFloat32);
  numerator_ = torch::zeros(shape, like.options().dtype(dtype));
}

torch::Tensor BlendAccumulator::frame_column(const std::vector<double>& values,
                                             int64_t count) const {
  std::vector<int64_t> shape(static_cast<size_t>(numerator_.dim()), 1);
  shape[static_cast<size_t>(frame_dim_)] = count;
  return torch::tensor(values, torch::kFloat64).to(numerator_.options()).view(shape);
}

void BlendAccumulator::add(int64_t start, const torch::Tensor& x, double multiplicity) {
  if (x.dim() <= frame_dim_)
    throw std::runtime_error("BlendAccumulator::add: pass tensor has no frame axis");
  auto w = blend_weights(x.size(frame_dim_));
  for (auto& v : w) v *= multiplicity;
  add_weighted(start, x, w);
}

void BlendAccumulator::add_weighted(int64_t start, const torch::Tensor& x,
                                    const std::vector<double>& weights) {
  ensure_storage(x);
  const auto count = x.size(frame_dim_);
  if (static_cast<int64_t>(weights.size()) != count)
    throw std::runtime_error("BlendAccumulator::add_weighted: " + std::to_string(weights.size()) +
                             " weights for " + std::to_string(count) + " frames");
  check_range(start, count, "add_weighted");
  numerator_.narrow(frame_dim_, start, count)
      .add_(x.to(numerator_.options()) * frame_column(weights, count));
  for (int64_t j = 0; j < count; ++j)
    denominator_[static_cast<size_t>(start + j)] += weights[static_cast<size_t>(j)];
}

void BlendAccumulator::add_accumulated(int64_t start, const torch::Tensor& numerator,
                                       const std::vector<double>& denominator) {
  ensure_storage(numerator);
  const auto count = numerator.size(frame_dim_);
  if (static_cast<int64_t>(denominator.size()) != count)
    throw std::runtime_error(
        "BlendAccumulator::add_accumulated: " + std::to_string(denominator.size()) +
        " weight sums for " + std::to_string(count) + " frames");
  check_range(start, count, "add_accumulated");
  numerator_.narrow(frame_dim_, start, count).add_(numerator.to(numerator_.options()));
  for (int64_t j = 0; j < count; ++j)
    denominator_[static_cast<size_t>(start + j)] += denominator[static_cast<size_t>(j)];
}

torch::Tensor BlendAccumulator::result() const {
  for (int64_t g = 0; g < frames_; ++g)
    if (!(denominator_[static_cast<size_t>(g)] > 0.0))
      throw std::runtime_error("BlendAccumulator::result: frame " + std::to_string(g) +
                               " received no weight");
  return numerator_ / frame_column(denominator_, frames_);
}

torch::Tensor blend_frames(const std::vector<WindowPass>& passes, int64_t frames,
                           int64_t frame_dim) {
  BlendAccumulator acc(frames, frame_dim);
  for (const auto& p : passes) acc.add(p.start, p.x0, p.multiplicity);
  return acc.result();
}

}  // namespace ditstream
