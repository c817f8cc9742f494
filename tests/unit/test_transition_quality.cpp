#include "core/metrics/frame_features.h"
#include "core/metrics/transition_quality.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <iostream>
#include <vector>

namespace ditstream {
namespace {

constexpr int64_t kH = 48, kW = 64;

// A smooth colour pattern in [0, 255]: sinusoids along x and y, shifted by `shift` pixels in x.
torch::Tensor pattern(double phase, double shift = 0.0) {
  const auto y = torch::arange(kH, torch::kFloat64).view({kH, 1, 1});
  const auto x = torch::arange(kW, torch::kFloat64).view({1, kW, 1}) - shift;
  const auto c = torch::arange(3, torch::kFloat64).view({1, 1, 3});
  const auto v =
      torch::sin(x * (2 * M_PI / 32) + c * 2.1 + phase) * torch::cos(y * (2 * M_PI / 48) + phase);
  return 127.5 + 100.0 * v;  // (H, W, 3) float64
}

torch::Tensor to_frames(const std::vector<torch::Tensor>& images) {
  return torch::stack(images).round().clamp(0, 255).to(torch::kUInt8);
}

torch::Tensor hard_cut(const torch::Tensor& a, const torch::Tensor& b, int64_t n) {
  std::vector<torch::Tensor> images;
  for (int64_t f = 0; f < n; ++f) images.push_back(f < n / 2 ? a : b);
  return to_frames(images);
}

torch::Tensor cross_fade(const torch::Tensor& a, const torch::Tensor& b, int64_t n) {
  std::vector<torch::Tensor> images;
  for (int64_t f = 0; f < n; ++f) {
    const double t = static_cast<double>(f) / static_cast<double>(n - 1);
    images.push_back((1.0 - t) * a + t * b);
  }
  return to_frames(images);
}

// Features on the unit circle at given angles: similarities are cos of the angle steps.
class AngleFeatures : public FrameFeatureExtractor {
 public:
  explicit AngleFeatures(std::vector<double> angles) : angles_(std::move(angles)) {}
  torch::Tensor features(const torch::Tensor&) const override {
    const auto a = torch::tensor(angles_, torch::kFloat64);
    return torch::stack({torch::cos(a), torch::sin(a)}, 1).to(torch::kFloat32);
  }

 private:
  std::vector<double> angles_;
};

TEST(PixelStatisticsFeatures, RowsHaveUnitNorm) {
  const auto frames = cross_fade(pattern(0.0), pattern(2.0), 5);
  const auto e = PixelStatisticsFeatures().features(frames);
  ASSERT_EQ(e.sizes(), torch::IntArrayRef({5, 16 * 16 * 3 + 1 + 3 * 16}));
  EXPECT_LT((e.norm(2, 1) - 1.0).abs().max().item<double>(), 1e-5);
  EXPECT_THROW(PixelStatisticsFeatures().features(frames.to(torch::kFloat32)), std::runtime_error);
}

TEST(TransitionQuality, StaticClipHasSimilarityOneAndScoreOne) {
  const auto frames = to_frames(std::vector<torch::Tensor>(8, pattern(0.3)));
  const auto r = evaluate_transition_quality(frames, {4}, PixelStatisticsFeatures());
  EXPECT_EQ(r.frames, 8);
  ASSERT_EQ(r.similarities.size(), 7u);
  for (const double s : r.similarities) EXPECT_NEAR(s, 1.0, 1e-9);
  EXPECT_NEAR(r.similarity.cv, 0.0, 1e-9);
  EXPECT_NEAR(r.cscv, 1.0, 1e-8);
  EXPECT_EQ(r.seams.seam_change, 0.0);
  EXPECT_EQ(r.seams.ratio, 1.0);  // no change anywhere
  // Flat frames too (the contrast floor keeps their thumbnail half from vanishing).
  const auto flat = torch::full({6, kH, kW, 3}, 0, torch::kUInt8);
  const auto f = evaluate_transition_quality(flat, {3}, PixelStatisticsFeatures());
  for (const double s : f.similarities) EXPECT_NEAR(s, 1.0, 1e-9);
  EXPECT_NEAR(f.cscv, 1.0, 1e-8);
}

TEST(TransitionQuality, HardCutScoresBelowASmoothFade) {
  const auto a = pattern(0.0), b = pattern(2.5);
  const PixelStatisticsFeatures features;
  const auto cut = evaluate_transition_quality(hard_cut(a, b, 16), {8}, features);
  const auto fade = evaluate_transition_quality(cross_fade(a, b, 16), {8}, features);
  std::cout << "cut: mean s " << cut.similarity.mean << " CV " << cut.similarity.cv << " CSCV "
            << cut.cscv << " seam ratio " << cut.seams.ratio << "\nfade: mean s "
            << fade.similarity.mean << " CV " << fade.similarity.cv << " CSCV " << fade.cscv
            << " seam ratio " << fade.seams.ratio << "\n";
  EXPECT_LT(cut.cscv, fade.cscv);
  EXPECT_GT(cut.similarity.cv, 5.0 * fade.similarity.cv);
  EXPECT_LT(cut.cscv, 0.9);
  EXPECT_GT(fade.cscv, 0.95);
  EXPECT_GT(cut.seams.ratio, 1e6);  // every other step is static: +inf
}

TEST(TransitionQuality, SeamRatioSeesJumpsAtTheBoundaries) {
  // Brightness rises by 2 per frame and jumps by 20 more at frames 5 and 10.
  std::vector<torch::Tensor> images;
  for (int64_t f = 0; f < 15; ++f)
    images.push_back(torch::full({kH, kW, 3}, 40.0 + 2.0 * f + 20.0 * (f >= 5) + 20.0 * (f >= 10),
                                 torch::kFloat64));
  const auto changes = frame_changes(to_frames(images));
  const auto seams = seam_statistics(changes, {5, 10});
  std::cout << "jumps: seam " << seams.seam_change << " interior " << seams.interior_change
            << " ratio " << seams.ratio << "\n";
  EXPECT_NEAR(seams.seam_change, 22.0, 1e-9);
  EXPECT_NEAR(seams.interior_change, 2.0, 1e-9);
  EXPECT_NEAR(seams.ratio, 11.0, 1e-9);
}

TEST(TransitionQuality, SeamRatioIsAboutOneForUniformMotion) {
  std::vector<torch::Tensor> images;
  for (int64_t f = 0; f < 15; ++f) images.push_back(pattern(0.0, 1.5 * static_cast<double>(f)));
  const auto r = evaluate_transition_quality(to_frames(images), {5, 10}, PixelStatisticsFeatures());
  std::cout << "uniform motion: seam ratio " << r.seams.ratio << " CV " << r.similarity.cv
            << " CSCV " << r.cscv << "\n";
  EXPECT_NEAR(r.seams.ratio, 1.0, 0.05);
  EXPECT_GT(r.cscv, 0.95);
}

TEST(TransitionQuality, UsesThePluggedExtractorAndMapping) {
  const auto frames = to_frames(std::vector<torch::Tensor>(4, pattern(0.0)));
  const AngleFeatures angles({0.0, 0.1, 0.2, 0.5});
  const auto r = evaluate_transition_quality(frames, {}, angles, exponential_cscv_mapping(10.0));
  ASSERT_EQ(r.similarities.size(), 3u);
  EXPECT_NEAR(r.similarities[0], std::cos(0.1), 1e-6);
  EXPECT_NEAR(r.similarities[2], std::cos(0.3), 1e-6);
  EXPECT_NEAR(r.cscv, std::exp(-10.0 * r.similarity.cv), 1e-12);
  EXPECT_TRUE(std::isnan(r.seams.ratio));  // no boundaries given
}

TEST(TransitionQuality, StatisticsAndMappings) {
  const auto s = similarity_statistics({1.0, 0.5});
  EXPECT_NEAR(s.mean, 0.75, 1e-15);
  EXPECT_NEAR(s.stddev, 0.25, 1e-15);
  EXPECT_NEAR(s.cv, 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(reciprocal_cscv_mapping()(0.015), 1.0 / 1.15, 1e-15);
  EXPECT_NEAR(exponential_cscv_mapping()(0.015), std::exp(-0.15), 1e-15);
  EXPECT_NEAR(linear_cscv_mapping()(0.015), 0.85, 1e-15);
  EXPECT_EQ(linear_cscv_mapping()(0.5), 0.0);
  EXPECT_THROW(similarity_statistics({}), std::runtime_error);
  EXPECT_THROW(seam_statistics({1.0, 2.0}, {3}), std::runtime_error);
  EXPECT_THROW(seam_statistics({1.0, 2.0}, {0}), std::runtime_error);
}

}  // namespace
}  // namespace ditstream
