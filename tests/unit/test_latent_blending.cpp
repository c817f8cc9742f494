#include "core/control/latent_blending.h"
#include "core/control/window_layout.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

namespace ditstream {
namespace {

// One contribution of a §3.2 table row: window k, its local frame, multiplicity, normalised share.
struct Share {
  int64_t window, local, multiplicity;
  double share;
};
using Table = std::vector<std::vector<Share>>;

// ditctrl-spec calc/blend.py, P=2 O=6 NT=1 (printed to 3 decimals).
Table table_6_1() {
  Table t;
  for (int64_t g = 0; g <= 6; ++g) t.push_back({{0, g, 1, 1.0}});
  const double w0[] = {0.846, 0.600, 0.412, 0.263, 0.143, 0.043};
  for (int64_t j = 0; j < 6; ++j) t.push_back({{0, 7 + j, 1, w0[j]}, {1, j, 2, 1.0 - w0[j]}});
  t.push_back({{1, 6, 2, 1.0}});
  for (int64_t j = 0; j < 6; ++j)
    t.push_back({{1, 7 + j, 2, 1.0 - w0[5 - j]}, {2, j, 1, w0[5 - j]}});
  for (int64_t g = 20; g <= 26; ++g) t.push_back({{2, g - 14, 1, 1.0}});
  return t;
}

// ditctrl-spec calc/blend.py, P=2 O=9 NT=2 (printed to 3 decimals).
Table table_9_2() {
  Table t;
  for (int64_t g = 0; g <= 3; ++g) t.push_back({{0, g, 1, 1.0}});
  t.push_back({{0, 4, 1, 0.818}, {1, 0, 2, 0.182}});
  t.push_back({{0, 5, 1, 0.647}, {1, 1, 2, 0.353}});
  t.push_back({{0, 6, 1, 0.565}, {1, 2, 2, 0.435}});
  t.push_back({{0, 7, 1, 0.440}, {1, 3, 2, 0.560}});
  t.push_back({{0, 8, 1, 0.310}, {1, 4, 2, 0.621}, {2, 0, 2, 0.069}});
  t.push_back({{0, 9, 1, 0.200}, {1, 5, 2, 0.629}, {2, 1, 2, 0.171}});
  t.push_back({{0, 10, 1, 0.122}, {1, 6, 2, 0.634}, {2, 2, 2, 0.244}});
  t.push_back({{0, 11, 1, 0.077}, {1, 7, 2, 0.564}, {2, 3, 2, 0.359}});
  t.push_back({{0, 12, 1, 0.026}, {1, 8, 2, 0.474}, {2, 4, 2, 0.474}, {3, 0, 1, 0.026}});
  t.push_back({{1, 9, 2, 0.359}, {2, 5, 2, 0.564}, {3, 1, 1, 0.077}});
  t.push_back({{1, 10, 2, 0.244}, {2, 6, 2, 0.634}, {3, 2, 1, 0.122}});
  t.push_back({{1, 11, 2, 0.171}, {2, 7, 2, 0.629}, {3, 3, 1, 0.200}});
  t.push_back({{1, 12, 2, 0.069}, {2, 8, 2, 0.621}, {3, 4, 1, 0.310}});
  t.push_back({{2, 9, 2, 0.560}, {3, 5, 1, 0.440}});
  t.push_back({{2, 10, 2, 0.435}, {3, 6, 1, 0.565}});
  t.push_back({{2, 11, 2, 0.353}, {3, 7, 1, 0.647}});
  t.push_back({{2, 12, 2, 0.182}, {3, 8, 1, 0.818}});
  for (int64_t g = 21; g <= 24; ++g) t.push_back({{3, g - 12, 1, 1.0}});
  return t;
}

// Printed to 3 decimals: rounding error at most 5e-4.
constexpr double kTableTolerance = 5e-4 + 1e-12;

void expect_table(const WindowLayout& layout, const Table& expected) {
  const auto table = effective_blend_weights(layout);
  ASSERT_EQ(table.size(), expected.size());
  for (size_t g = 0; g < table.size(); ++g) {
    ASSERT_EQ(table[g].size(), expected[g].size()) << "frame " << g;
    double total = 0.0;
    for (size_t i = 0; i < table[g].size(); ++i) {
      EXPECT_EQ(table[g][i].window, expected[g][i].window) << "frame " << g;
      EXPECT_EQ(table[g][i].local_frame, expected[g][i].local) << "frame " << g;
      EXPECT_EQ(table[g][i].multiplicity, expected[g][i].multiplicity) << "frame " << g;
      EXPECT_NEAR(table[g][i].share, expected[g][i].share, kTableTolerance) << "frame " << g;
      total += table[g][i].share;
    }
    EXPECT_NEAR(total, 1.0, 1e-12) << "frame " << g;
  }
}

// Window k's pass is the one-hot vector e_k on a trailing axis, so the blend of frame g is the
// vector of the windows' shares there.
torch::Tensor blended_one_hots(const WindowLayout& layout) {
  std::vector<WindowPass> passes;
  for (int64_t k = 0; k < layout.K; ++k) {
    auto x = torch::zeros({1, layout.T, layout.K});
    x.select(2, k).fill_(1.0);
    passes.push_back({layout.start(k), x, static_cast<double>(layout.multiplicity(k))});
  }
  return blend_frames(passes, layout.L);
}

void expect_accumulator_matches_table(const WindowLayout& layout, const Table& expected) {
  const auto shares = blended_one_hots(layout);
  ASSERT_EQ(shares.sizes(), torch::IntArrayRef({1, layout.L, layout.K}));
  for (int64_t g = 0; g < layout.L; ++g) {
    double total = 0.0;
    for (const auto& s : expected[static_cast<size_t>(g)]) {
      EXPECT_NEAR(shares[0][g][s.window].item<double>(), s.share, kTableTolerance + 1e-6)
          << "frame " << g << " window " << s.window;
      total += shares[0][g][s.window].item<double>();
    }
    EXPECT_NEAR(total, 1.0, 1e-6) << "frame " << g;  // windows absent from the row get nothing
  }
}

std::vector<WindowPass> random_passes(const WindowLayout& layout, torch::IntArrayRef rest) {
  std::vector<WindowPass> passes;
  std::vector<int64_t> shape = {1, layout.T};
  shape.insert(shape.end(), rest.begin(), rest.end());
  for (int64_t k = 0; k < layout.K; ++k)
    passes.push_back({layout.start(k), torch::randn(shape, torch::kFloat32),
                      static_cast<double>(layout.multiplicity(k))});
  return passes;
}

TEST(BlendWeights, ThirteenFramesAreTheTriangle) {
  const auto w = blend_weights(13);
  const double expected[] = {1, 3, 5, 7, 9, 11, 13, 11, 9, 7, 5, 3, 1};
  ASSERT_EQ(w.size(), 13u);
  for (size_t j = 0; j < 13; ++j) EXPECT_NEAR(w[j], expected[j] / 13.0, 1e-15) << "j=" << j;
  EXPECT_THROW(blend_weights(0), std::runtime_error);
}

TEST(WindowLayout, ClosedFormsForOneToFivePrompts) {
  for (int64_t p = 1; p <= 5; ++p) {
    const auto a = multi_prompt_layout(13, 9, p, 2);
    EXPECT_EQ(a.S, 4);
    EXPECT_EQ(a.K, p + 2 * (p - 1)) << "P=" << p;
    EXPECT_EQ(a.L, 12 * p + 1) << "P=" << p;
    EXPECT_EQ(a.video_frames(), 48 * p + 1) << "P=" << p;
    const auto b = multi_prompt_layout(13, 6, p, 1);
    EXPECT_EQ(b.S, 7);
    EXPECT_EQ(b.K, 2 * p - 1) << "P=" << p;
    EXPECT_EQ(b.L, 14 * p - 1) << "P=" << p;
    EXPECT_EQ(b.video_frames(), 56 * p - 7) << "P=" << p;
  }
}

TEST(WindowLayout, SpecExamples) {
  const auto a = multi_prompt_layout(13, 9, 3, 2);
  EXPECT_EQ(a.K, 7);
  EXPECT_EQ(a.L, 37);
  EXPECT_EQ(a.video_frames(), 145);
  const auto b = multi_prompt_layout(13, 6, 3, 1);
  EXPECT_EQ(b.K, 5);
  EXPECT_EQ(b.L, 41);
  EXPECT_EQ(b.video_frames(), 161);
  const auto c = multi_prompt_layout(13, 6, 2, 1);
  EXPECT_EQ(c.L, 27);
  EXPECT_EQ(c.video_frames(), 105);
  EXPECT_EQ(c.start(1), 7);
  EXPECT_EQ(c.start(2), 14);
  const auto d = multi_prompt_layout(13, 9, 2, 2);
  EXPECT_EQ(d.L, 25);
  EXPECT_EQ(d.start(3), 12);
  EXPECT_EQ(multi_prompt_layout(13, 6, 3, 1, 2).K, 7);  // the mid term: one middle prompt, +2
  EXPECT_EQ(multi_prompt_layout(13, 6, 1, 1, 2).K, 1);  // ... and none for a single prompt
}

TEST(WindowLayout, MultiplicityAndCoverage) {
  const auto a = window_layout(13, 9, 4);
  EXPECT_EQ(a.multiplicity(0), 1);
  EXPECT_EQ(a.multiplicity(1), 2);
  EXPECT_EQ(a.multiplicity(2), 2);
  EXPECT_EQ(a.multiplicity(3), 1);
  EXPECT_EQ(window_layout(13, 6, 2).multiplicity(1), 1);
  EXPECT_EQ(window_layout(13, 6, 1).multiplicity(0), 1);
  EXPECT_EQ(a.windows_covering(12), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(a.windows_covering(3), (std::vector<int64_t>{0}));
  EXPECT_EQ(a.windows_covering(24), (std::vector<int64_t>{3}));
  EXPECT_THROW(a.windows_covering(25), std::runtime_error);
  EXPECT_THROW(a.multiplicity(4), std::runtime_error);
  EXPECT_THROW(window_layout(13, 13, 2), std::runtime_error);
}

TEST(EffectiveBlendWeights, MatchTheSpecTableFor6And1) {
  expect_table(multi_prompt_layout(13, 6, 2, 1), table_6_1());
}

TEST(EffectiveBlendWeights, MatchTheSpecTableFor9And2) {
  expect_table(multi_prompt_layout(13, 9, 2, 2), table_9_2());
}

TEST(BlendAccumulator, ReproducesTheSpecTableFor6And1) {
  expect_accumulator_matches_table(multi_prompt_layout(13, 6, 2, 1), table_6_1());
}

TEST(BlendAccumulator, ReproducesTheSpecTableFor9And2) {
  expect_accumulator_matches_table(multi_prompt_layout(13, 9, 2, 2), table_9_2());
}

TEST(BlendAccumulator, BlendingAConstantGivesTheConstant) {
  const auto layout = multi_prompt_layout(13, 9, 3, 2);
  std::vector<WindowPass> passes;
  for (int64_t k = 0; k < layout.K; ++k)
    passes.push_back({layout.start(k), torch::full({1, 13, 4, 3, 5}, -0.37f),
                      static_cast<double>(layout.multiplicity(k))});
  const auto out = blend_frames(passes, layout.L);
  ASSERT_EQ(out.sizes(), torch::IntArrayRef({1, layout.L, 4, 3, 5}));
  EXPECT_LT((out + 0.37).abs().max().item<double>(), 1e-6);
}

TEST(BlendAccumulator, FramesCoveredOnceAreUnchanged) {
  torch::manual_seed(0);
  const auto layout = multi_prompt_layout(13, 6, 2, 1);
  const auto passes = random_passes(layout, {2, 3, 4});
  const auto out = blend_frames(passes, layout.L);
  const auto& w0 = passes[0].x0;
  const auto& w1 = passes[1].x0;
  const auto& w2 = passes[2].x0;
  EXPECT_TRUE(torch::allclose(out.narrow(1, 0, 7), w0.narrow(1, 0, 7), 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(out.narrow(1, 13, 1), w1.narrow(1, 6, 1), 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(out.narrow(1, 20, 7), w2.narrow(1, 6, 7), 1e-6, 1e-7));
}

TEST(BlendAccumulator, OverlapFramesAreTheWeightedMeanOfTheirPasses) {
  torch::manual_seed(1);
  const auto layout = multi_prompt_layout(13, 9, 2, 2);
  const auto passes = random_passes(layout, {3});
  const auto out = blend_frames(passes, layout.L);
  const auto table = effective_blend_weights(layout);
  double worst = 0.0;
  for (int64_t g = 0; g < layout.L; ++g) {
    auto expected = torch::zeros({3}, torch::kFloat64);
    for (const auto& s : table[static_cast<size_t>(g)])
      expected +=
          s.share * passes[static_cast<size_t>(s.window)].x0[0][s.local_frame].to(torch::kFloat64);
    worst = std::max(worst, (out[0][g].to(torch::kFloat64) - expected).abs().max().item<double>());
  }
  EXPECT_LT(worst, 1e-6);
}

TEST(BlendAccumulator, PartialWeightsAddUpToTheFullWindow) {
  torch::manual_seed(2);
  const auto x = torch::randn({13, 5});
  const auto w = blend_weights(13);
  BlendAccumulator full(20, 0), split(20, 0);
  full.add(3, x, 2.0);
  std::vector<double> head(w.begin(), w.begin() + 4), tail(w.begin() + 4, w.end());
  for (auto* part : {&head, &tail})
    for (auto& v : *part) v *= 2.0;
  split.add_weighted(3, x.narrow(0, 0, 4), head);
  split.add_weighted(7, x.narrow(0, 4, 9), tail);
  EXPECT_TRUE(torch::allclose(full.numerator(), split.numerator(), 0.0, 1e-6));
  for (size_t g = 0; g < 20; ++g) EXPECT_NEAR(full.denominator()[g], split.denominator()[g], 1e-15);
}

// Option B (§8.3): the sums of passes that are not recomputed are carried into the next run.
TEST(BlendAccumulator, CarriedSumsGiveTheSameBlendAsOneAccumulator) {
  torch::manual_seed(3);
  const auto layout = multi_prompt_layout(13, 9, 2, 2);
  const auto passes = random_passes(layout, {2, 2});
  const auto reference = blend_frames(passes, layout.L);
  BlendAccumulator earlier(layout.L), later(layout.L);
  for (size_t k = 0; k < 2; ++k) earlier.add(passes[k].start, passes[k].x0, passes[k].multiplicity);
  later.add_accumulated(0, earlier.numerator(), earlier.denominator());
  for (size_t k = 2; k < passes.size(); ++k)
    later.add(passes[k].start, passes[k].x0, passes[k].multiplicity);
  EXPECT_TRUE(torch::allclose(later.result(), reference, 1e-6, 1e-7));
}

TEST(BlendAccumulator, RejectsBadInput) {
  BlendAccumulator acc(20);
  EXPECT_THROW(acc.add(10, torch::zeros({1, 13, 2})), std::runtime_error);  // past the end
  acc.add(0, torch::zeros({1, 13, 2}));
  EXPECT_THROW(acc.add(0, torch::zeros({1, 13, 3})), std::runtime_error);  // other shape
  EXPECT_THROW(acc.add_weighted(0, torch::zeros({1, 3, 2}), {1.0}), std::runtime_error);
  EXPECT_THROW(acc.result(), std::runtime_error);  // frames 13..19 received nothing
  EXPECT_THROW(BlendAccumulator(0), std::runtime_error);
}

}  // namespace
}  // namespace ditstream
