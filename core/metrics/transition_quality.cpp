#include "core/metrics/transition_quality.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> to_vector(const torch::Tensor& x) {
  const auto c = x.to(torch::kCPU, torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  double sum = 0.0;
  for (const double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

}  // namespace

CscvMapping reciprocal_cscv_mapping(double lambda) {
  return [lambda](double cv) { return 1.0 / (1.0 + lambda * cv); };
}

CscvMapping exponential_cscv_mapping(double lambda) {
  return [lambda](double cv) { return std::exp(-lambda * cv); };
}

CscvMapping linear_cscv_mapping(double lambda) {
  return [lambda](double cv) { return std::max(0.0, 1.0 - lambda * cv); };
}

std::vector<double> adjacent_cosine_similarities(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2)
    throw std::runtime_error("adjacent_cosine_similarities: expected (N >= 2, D) features");
  const auto e = features.to(torch::kFloat64);
  namespace F = torch::nn::functional;
  const auto s = F::cosine_similarity(e.slice(0, 0, -1), e.slice(0, 1),
                                      F::CosineSimilarityFuncOptions().dim(1).eps(1e-12));
  return to_vector(s);
}

SimilarityStatistics similarity_statistics(const std::vector<double>& similarities) {
  if (similarities.empty())
    throw std::runtime_error("similarity_statistics: no similarities (clip of < 2 frames)");
  SimilarityStatistics stats;
  stats.mean = mean_of(similarities);
  double square_sum = 0.0;
  for (const double s : similarities) square_sum += (s - stats.mean) * (s - stats.mean);
  stats.stddev = std::sqrt(square_sum / static_cast<double>(similarities.size()));
  stats.cv = stats.stddev == 0.0 ? 0.0 : stats.stddev / stats.mean;
  return stats;
}

std::vector<double> frame_changes(const torch::Tensor& frames_uint8_THW3) {
  check_video_frames(frames_uint8_THW3, 2, "frame_changes");
  std::vector<double> changes;
  for (int64_t t = 0; t + 1 < frames_uint8_THW3.size(0); ++t) {
    const auto a = frames_uint8_THW3[t].to(torch::kFloat32);
    const auto b = frames_uint8_THW3[t + 1].to(torch::kFloat32);
    changes.push_back((b - a).abs().mean().item<double>());
  }
  return changes;
}

SeamStatistics seam_statistics(const std::vector<double>& changes,
                               const std::vector<int64_t>& boundaries) {
  const auto steps = static_cast<int64_t>(changes.size());
  std::vector<bool> is_seam(changes.size(), false);
  for (const int64_t b : boundaries) {
    if (b < 1 || b > steps)
      throw std::runtime_error("seam_statistics: boundary frame " + std::to_string(b) +
                               " outside [1, " + std::to_string(steps) + "]");
    is_seam[static_cast<size_t>(b - 1)] = true;
  }
  std::vector<double> seam, interior;
  for (size_t f = 0; f < changes.size(); ++f) (is_seam[f] ? seam : interior).push_back(changes[f]);
  SeamStatistics stats{mean_of(seam), mean_of(interior), kNaN};
  if (seam.empty() || interior.empty()) return stats;
  if (stats.interior_change > 0.0)
    stats.ratio = stats.seam_change / stats.interior_change;
  else
    stats.ratio = stats.seam_change > 0.0 ? std::numeric_limits<double>::infinity() : 1.0;
  return stats;
}

TransitionQualityReport evaluate_transition_quality(const torch::Tensor& frames_uint8_THW3,
                                                    const std::vector<int64_t>& boundaries,
                                                    const FrameFeatureExtractor& extractor,
                                                    const CscvMapping& mapping) {
  check_video_frames(frames_uint8_THW3, 2, "evaluate_transition_quality");
  TransitionQualityReport report;
  report.frames = frames_uint8_THW3.size(0);
  report.similarities = adjacent_cosine_similarities(extractor.features(frames_uint8_THW3));
  report.similarity = similarity_statistics(report.similarities);
  report.cscv = mapping(report.similarity.cv);
  report.changes = frame_changes(frames_uint8_THW3);
  report.seams = seam_statistics(report.changes, boundaries);
  return report;
}

}  // namespace ditstream
