#include "core/metrics/frame_features.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

torch::Tensor unit_rows(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::normalize(x, F::NormalizeFuncOptions().p(2).dim(1));
}

}  // namespace

void check_video_frames(const torch::Tensor& frames, int64_t min_frames, const char* caller) {
  const bool ok = frames.defined() && frames.dim() == 4 && frames.size(3) == 3 &&
                  frames.scalar_type() == torch::kUInt8 && frames.size(0) >= min_frames;
  if (ok) return;
  std::ostringstream message;
  message << caller << ": expected (T >= " << min_frames << ", H, W, 3) uint8 frames, got ";
  if (frames.defined())
    message << frames.sizes() << " " << frames.scalar_type();
  else
    message << "an undefined tensor";
  throw std::runtime_error(message.str());
}

PixelStatisticsFeatures::PixelStatisticsFeatures(PixelStatisticsOptions options)
    : options_(options) {
  if (options_.thumbnail_size < 1 || options_.histogram_bins < 1 || options_.histogram_bins > 256)
    throw std::runtime_error("PixelStatisticsFeatures: need thumbnail_size >= 1 and 1..256 bins");
}

// Centred so that unrelated images are far apart (raw intensities are all positive and would
// keep every cosine near 1); the constant last element is the contrast floor, which makes flat
// frames compare as equal instead of as zero vectors.
torch::Tensor PixelStatisticsFeatures::thumbnails(const torch::Tensor& frames) const {
  const auto x = frames.permute({0, 3, 1, 2}).to(torch::kFloat32) / 255.0;
  const auto s = options_.thumbnail_size;
  auto t = torch::adaptive_avg_pool2d(x, {s, s}).flatten(1);
  t = t - t.mean(1, true);
  const double floor = options_.contrast_floor * std::sqrt(static_cast<double>(t.size(1)));
  return torch::cat({t, torch::full({t.size(0), 1}, floor, t.options())}, 1);
}

// One frame at a time: a whole clip of int64 bin indices would be 24 bytes per pixel.
torch::Tensor PixelStatisticsFeatures::histograms(const torch::Tensor& frames) const {
  const auto bins = options_.histogram_bins;
  const auto channel_offset = torch::arange(3, frames.options().dtype(torch::kInt64)) * bins;
  auto counts = torch::zeros({frames.size(0), 3 * bins}, frames.options().dtype(torch::kFloat32));
  for (int64_t t = 0; t < frames.size(0); ++t) {
    const auto index = (frames[t].to(torch::kInt64) * bins).div(256, "floor") + channel_offset;
    counts[t].scatter_add_(0, index.flatten(), torch::ones({index.numel()}, counts.options()));
  }
  return counts;
}

torch::Tensor PixelStatisticsFeatures::features(const torch::Tensor& frames_uint8_THW3) const {
  check_video_frames(frames_uint8_THW3, 1, "PixelStatisticsFeatures::features");
  const auto joined = torch::cat(
      {unit_rows(thumbnails(frames_uint8_THW3)), unit_rows(histograms(frames_uint8_THW3))}, 1);
  return joined / std::sqrt(2.0);
}

}  // namespace ditstream
