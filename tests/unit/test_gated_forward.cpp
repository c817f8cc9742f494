// The one-forward gated step (the target's shared pass forks off its plain pass at the gate's
// first layer) against the separate passes it replaces, and the opt-in step cache.
#include "core/control/step_cache.h"
#include "core/stream/guided_denoiser.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

WindowInput window(int64_t seed, const std::string& prompt) {
  const WindowPipeline pipeline(testing::tiny_components());
  return {pipeline.initial_latents(seed, 13), pipeline.encode_prompt(prompt),
          pipeline.encode_prompt("blurry")};
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

class GatedForward : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

INSTANTIATE_TEST_SUITE_P(Modes, GatedForward,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Cfg" : "NoCfg") +
                                  (std::get<1>(info.param) ? "MaskGuided" : "Plain");
                         });

TEST_P(GatedForward, EqualsThePlainPassAndThePairForward) {
  const auto [cfg, mask_guided] = GetParam();
  KvSharingOptions sharing{KvSharingGate{0, 1, 1, 2}, mask_guided, 0.3};
  const GuidedDenoiser denoiser(testing::tiny_components(), {cfg ? 6.0 : 1.0, false}, sharing);
  const auto source = window(1, "a panda playing guitar");
  const auto target = window(2, "a panda playing drums");
  const SubjectTokens subjects{{1, 2}, {1, 2}};
  const double t = 500;
  const auto pair = denoiser.predict_pair(source, target, t, 0, 4, &subjects);
  const auto plain = denoiser.predict(target, t, 0, 4);
  const auto gated = denoiser.predict_gated(source, target, t, 0, 4, &subjects);
  EXPECT_LT(max_diff(gated.source, pair.first), 1e-5);
  EXPECT_LT(max_diff(gated.shared, pair.second), 1e-5);
  EXPECT_LT(max_diff(gated.plain, plain), 1e-5);
  EXPECT_GT(max_diff(gated.shared, gated.plain), 1e-3);  // the gate changed the shared pass
}

TEST(StepCache, ReusesTheResidualWhileTheFirstBlockBarelyMoves) {
  const GuidedDenoiser denoiser(testing::tiny_components(), {6.0, false}, {});
  const auto w = window(3, "a panda playing guitar");
  FirstBlockCache cache(0.05);
  const auto full = denoiser.predict(w, 500, 0, 4, &cache);
  const auto again = denoiser.predict(w, 500, 1, 4, &cache);  // same input: the block 0 change is 0
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_LT(max_diff(again, full), 1e-4);
  WindowInput moved = w;
  moved.latents = torch::randn_like(w.latents);
  const auto fresh = denoiser.predict(moved, 100, 2, 4, &cache);
  EXPECT_EQ(cache.hits(), 1);  // a new state: everything ran
  EXPECT_GT(cache.last_change(), 0.05);
  EXPECT_LT(max_diff(fresh, denoiser.predict(moved, 100, 2, 4)), 1e-6);
  EXPECT_THROW(FirstBlockCache(0.0), std::invalid_argument);
}

// After two full forwards a hit extrapolates what the other blocks add: their last residual plus
// its change per step between the two, for one step past the last full forward at most.
TEST(StepCache, ExtrapolatesTheRestFromTheLastTwoFullForwards) {
  FirstBlockCache cache(0.05);
  const auto input = torch::zeros({1, 4, 3});
  const auto first = torch::ones({1, 4, 3});
  const auto rest = torch::full({1, 4, 3}, 2.0);
  EXPECT_FALSE(cache.reuse(input, first, 0).defined());  // nothing stored yet
  cache.store(input, first, rest, 0);
  EXPECT_TRUE(torch::allclose(cache.reuse(input, first, 1), rest));  // one full forward: reused
  EXPECT_FALSE(cache.reuse(input, 2 * first, 2).defined());          // block 0 moved: runs whole
  cache.store(input, 2 * first, rest + 3.0, 2);
  EXPECT_TRUE(torch::allclose(cache.reuse(input, 2 * first, 3), rest + 4.5));  // 1.5 per step
  EXPECT_TRUE(torch::allclose(cache.reuse(input, 2 * first, 5), rest + 4.5));  // not further
  EXPECT_EQ(cache.hits(), 3);
}

// A KV-sharing step's forward forks after block 0: a hit continues block 0's output as the forked
// rows (plain and shared per target row) and adds what the other blocks added to each.
TEST(StepCache, ReusesTheGatedForwardAcrossItsFork) {
  const GuidedDenoiser denoiser(testing::tiny_components(), {6.0, false},
                                KvSharingOptions{KvSharingGate{0, 4, 1, 2}, false, 0.3});
  const auto source = window(1, "a panda playing guitar");
  const auto target = window(2, "a panda playing drums");
  FirstBlockCache cache(0.05);
  const auto full = denoiser.predict_gated(source, target, 500, 0, 4, nullptr, &cache);
  const auto again = denoiser.predict_gated(source, target, 500, 1, 4, nullptr, &cache);
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_LT(max_diff(again.source, full.source), 1e-4);
  EXPECT_LT(max_diff(again.plain, full.plain), 1e-4);
  EXPECT_LT(max_diff(again.shared, full.shared), 1e-4);
  EXPECT_GT(max_diff(again.shared, again.plain), 1e-3);  // still two passes per target row
  WindowInput moved = target;
  moved.latents = torch::randn_like(target.latents);
  const auto fresh = denoiser.predict_gated(source, moved, 100, 2, 4, nullptr, &cache);
  EXPECT_EQ(cache.hits(), 1);
  const auto uncached = denoiser.predict_gated(source, moved, 100, 2, 4);
  EXPECT_LT(max_diff(fresh.shared, uncached.shared), 1e-6);
  EXPECT_LT(max_diff(fresh.plain, uncached.plain), 1e-6);
}

TEST(StepCache, AStreamWithoutHitsIsUnchangedWithHitsChangedAndOtherBlendsRefuseIt) {
  StreamOptions o;
  o.steps = 3;
  o.sampler = "ddim";
  auto frames = [&](double threshold) {
    o.step_cache = threshold;
    auto timeline = std::make_shared<PromptTimeline>();
    timeline->add(prompt_entry(0, "a panda playing guitar", "blurry"));
    StreamGenerator g(testing::tiny_components(), o, timeline);
    return g.next_window();
  };
  const auto plain = frames(0.0);
  const auto cached = frames(1e-9);  // no step is that close to the last one: every block runs
  ASSERT_EQ(plain.size(), cached.size());
  for (size_t i = 0; i < plain.size(); ++i)
    EXPECT_TRUE(torch::equal(plain[i].rgb, cached[i].rgb)) << "frame " << i;
  const auto reused = frames(1e9);  // every step after the first reuses its blocks' residual
  EXPECT_FALSE(torch::equal(plain[0].rgb, reused[0].rgb));
  o.blend = StreamOptions::BlendMode::PrefixPinned;
  EXPECT_THROW(frames(0.1), std::runtime_error);
}

}  // namespace
}  // namespace ditstream
