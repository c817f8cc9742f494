#pragma once
// Transition-quality metrics for multi-window videos (ditctrl-spec §6.2, "our implementation"):
//
// - adjacent similarities s_f = cos(e_f, e_{f+1}), f = 0..N-2, e_f the frame features;
// - CV = std(s) / mean(s) with the population std (divide by N-1, the number of similarities);
//   CV = 0 when N == 2;
// - CSCV = mapping(CV), by default 1 / (1 + lambda CV) with lambda = 10. The paper's exact map
//   and CLIP backbone are unknown (§10), so scores are comparable only between runs of this code;
// - seam ratio: with d_f = mean |x_{f+1} - x_f| over pixels and channels (0..255 scale), a
//   boundary b (the first frame after a window seam) selects d_{b-1}; ratio = mean over the
//   boundaries / mean over all other steps (NaN without boundaries or without other steps;
//   1 when both means are 0, +inf when only the interior mean is 0).

#include "core/metrics/frame_features.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace ditstream {

using CscvMapping = std::function<double(double cv)>;

CscvMapping reciprocal_cscv_mapping(double lambda = 10.0);   // 1 / (1 + lambda CV), the default
CscvMapping exponential_cscv_mapping(double lambda = 10.0);  // exp(-lambda CV)
CscvMapping linear_cscv_mapping(double lambda = 10.0);       // max(0, 1 - lambda CV)

// (N, D) features -> the N-1 cosine similarities of adjacent rows.
std::vector<double> adjacent_cosine_similarities(const torch::Tensor& features);

struct SimilarityStatistics {
  double mean = 0.0;
  double stddev = 0.0;  // population std
  double cv = 0.0;
};
SimilarityStatistics similarity_statistics(const std::vector<double>& similarities);

// (T, H, W, 3) uint8 -> the T-1 mean absolute differences of adjacent frames.
std::vector<double> frame_changes(const torch::Tensor& frames_uint8_THW3);

struct SeamStatistics {
  double seam_change = 0.0;
  double interior_change = 0.0;
  double ratio = 0.0;
};
SeamStatistics seam_statistics(const std::vector<double>& changes,
                               const std::vector<int64_t>& boundaries);

struct TransitionQualityReport {
  int64_t frames = 0;
  std::vector<double> similarities;  // adjacent-frame cosine similarities
  SimilarityStatistics similarity;
  double cscv = 0.0;
  std::vector<double> changes;  // adjacent-frame mean absolute differences
  SeamStatistics seams;
};

TransitionQualityReport evaluate_transition_quality(
    const torch::Tensor& frames_uint8_THW3, const std::vector<int64_t>& boundaries,
    const FrameFeatureExtractor& extractor, const CscvMapping& mapping = reciprocal_cscv_mapping());

}  // namespace ditstream
