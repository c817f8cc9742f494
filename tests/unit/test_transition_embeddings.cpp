#include "core/control/transition_embeddings.h"
#include "core/control/window_layout.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

namespace ditstream {
namespace {

struct Expected {
  int64_t from, to;
  double beta;
};

void expect_sequence(const std::vector<WindowCondition>& got, const std::vector<Expected>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].from_prompt, want[i].from) << "window " << i;
    EXPECT_EQ(got[i].to_prompt, want[i].to) << "window " << i;
    EXPECT_NEAR(got[i].beta, want[i].beta, 1e-15) << "window " << i;
  }
}

TEST(ConditionSequence, NineTwoWithThreePrompts) {
  // [P1, 2/3 P1 + 1/3 P2, 1/3 P1 + 2/3 P2, P2, 2/3 P2 + 1/3 P3, 1/3 P2 + 2/3 P3, P3]
  expect_sequence(condition_sequence(3, 2), {{0, 0, 0.0},
                                             {0, 1, 1.0 / 3},
                                             {0, 1, 2.0 / 3},
                                             {1, 1, 0.0},
                                             {1, 2, 1.0 / 3},
                                             {1, 2, 2.0 / 3},
                                             {2, 2, 0.0}});
}

TEST(ConditionSequence, SixOneWithThreePrompts) {
  expect_sequence(condition_sequence(3, 1),
                  {{0, 0, 0.0}, {0, 1, 0.5}, {1, 1, 0.0}, {1, 2, 0.5}, {2, 2, 0.0}});
}

TEST(ConditionSequence, LongerMiddleSegmentsAndSinglePrompt) {
  expect_sequence(condition_sequence(3, 1, 1),
                  {{0, 0, 0.0}, {0, 1, 0.5}, {1, 1, 0.0}, {1, 1, 0.0}, {1, 2, 0.5}, {2, 2, 0.0}});
  expect_sequence(condition_sequence(1, 2, 3), {{0, 0, 0.0}});
  EXPECT_FALSE(condition_sequence(2, 1)[0].is_transition());
  EXPECT_TRUE(condition_sequence(2, 1)[1].is_transition());
}

TEST(ConditionSequence, HasOneEntryPerWindow) {
  for (int64_t p = 1; p <= 5; ++p)
    for (int64_t nt = 0; nt <= 3; ++nt)
      for (int64_t mid = 0; mid <= 2; ++mid)
        EXPECT_EQ(static_cast<int64_t>(condition_sequence(p, nt, mid).size()),
                  multi_prompt_layout(13, 6, p, nt, mid).K)
            << "P=" << p << " NT=" << nt << " mid=" << mid;
}

TEST(InterpolateEmbeddings, IsLinearOverEveryToken) {
  torch::manual_seed(0);
  const auto a = torch::randn({1, 226, 16});
  const auto b = torch::randn({1, 226, 16});
  const auto c = interpolate_embeddings(a, b, 1.0 / 3);
  EXPECT_LT((c - (2.0 / 3 * a + 1.0 / 3 * b)).abs().max().item<double>(), 1e-6);
  EXPECT_TRUE(torch::equal(interpolate_embeddings(a, b, 0.0), a));
  EXPECT_LT((interpolate_embeddings(a, b, 1.0) - b).abs().max().item<double>(), 1e-7);
  // Padding positions are interpolated too: zero rows of a meet non-zero rows of b.
  auto padded = a.clone();
  padded.narrow(1, 100, 126).zero_();
  const auto p = interpolate_embeddings(padded, b, 0.5);
  EXPECT_LT((p.narrow(1, 100, 126) - 0.5 * b.narrow(1, 100, 126)).abs().max().item<double>(), 1e-7);
}

TEST(InterpolateEmbeddings, KeepsTheDtypeAndChecksShapes) {
  const auto a = torch::ones({1, 4, 8}, torch::kBFloat16);
  const auto b = torch::zeros({1, 4, 8}, torch::kBFloat16);
  const auto c = interpolate_embeddings(a, b, 0.25);
  EXPECT_EQ(c.scalar_type(), torch::kBFloat16);
  EXPECT_NEAR(c.to(torch::kFloat32).mean().item<double>(), 0.75, 1e-3);
  EXPECT_THROW(interpolate_embeddings(a, torch::zeros({1, 5, 8}), 0.5), std::runtime_error);
}

TEST(ConditionEmbedding, PicksOrInterpolatesThePromptEmbeddings) {
  const std::vector<torch::Tensor> prompts = {torch::full({1, 3, 2}, 3.0),
                                              torch::full({1, 3, 2}, 6.0)};
  const auto sequence = condition_sequence(2, 2);
  const double expected[] = {3.0, 4.0, 5.0, 6.0};
  ASSERT_EQ(sequence.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const auto c = condition_embedding(sequence[i], prompts);
    EXPECT_NEAR(c.mean().item<double>(), expected[i], 1e-6) << "window " << i;
  }
  EXPECT_THROW(condition_embedding({0, 2, 0.5}, prompts), std::runtime_error);
}

}  // namespace
}  // namespace ditstream
