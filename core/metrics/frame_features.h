#pragma once
// Per-frame feature vectors for video metrics. The interface lets a CLIP image encoder replace the
// built-in pixel statistics without touching the metrics.

#include <torch/types.h>

#include <cstdint>

namespace ditstream {

class FrameFeatureExtractor {
 public:
  virtual ~FrameFeatureExtractor() = default;
  // (T, H, W, 3) uint8 RGB -> (T, D) fp32 with L2-normalised rows.
  virtual torch::Tensor features(const torch::Tensor& frames_uint8_THW3) const = 0;
};

struct PixelStatisticsOptions {
  int64_t thumbnail_size = 16;   // area-averaged RGB thumbnail, thumbnail_size^2 x 3 values
  int64_t histogram_bins = 16;   // per colour channel
  double contrast_floor = 0.02;  // RMS contrast (intensity in [0, 1]) below which frames look flat
};

// [u / |u| ; h / |h|] / sqrt(2), every row of unit norm, both halves weighted equally:
// u = (thumbnail - its mean over all values, contrast_floor sqrt(n)) with n thumbnail values,
// h = per-channel colour histogram of the full frame (histogram_bins bins each).
class PixelStatisticsFeatures : public FrameFeatureExtractor {
 public:
  explicit PixelStatisticsFeatures(PixelStatisticsOptions options = {});
  torch::Tensor features(const torch::Tensor& frames_uint8_THW3) const override;

 private:
  torch::Tensor thumbnails(const torch::Tensor& frames) const;
  torch::Tensor histograms(const torch::Tensor& frames) const;

  PixelStatisticsOptions options_;
};

// Throws unless `frames` is a (T, H, W, 3) uint8 tensor with T >= min_frames.
void check_video_frames(const torch::Tensor& frames, int64_t min_frames, const char* caller);

}  // namespace ditstream
