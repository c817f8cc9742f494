// Option B, deferred-commit blending (ditctrl-spec §8.3), against the offline blend formula;
// StreamingT2V's randomized blending on the same runs.
// With one sampler step every run starts each frame from the same stored noise, so no carried
// prediction is stale: the frames window k commits must equal the blend (spec §3) of window 0's
// plain pass and, for each window 1..k, its plain pass and its pass reading the previous
// window's K/V, each with the triangular weights.
#include "committed_latents.h"
#include "core/control/latent_blending.h"
#include "core/sampling/sampler.h"
#include "core/stream/deferred_window.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace ditstream {
namespace {

constexpr int64_t kFrames = 13, kWindows = 4, kSeed = 3;

StreamOptions one_step(int64_t overlap, bool sharing) {
  StreamOptions o;
  o.steps = 1;
  o.sampler = "ddim";
  o.seed = kSeed;
  o.overlap = overlap;
  o.kv_sharing = sharing;
  o.kv_gate = KvSharingGate{0, 1, 1, 2};  // step 0, the last of the tiny model's 2 layers
  o.blend = StreamOptions::BlendMode::Deferred;
  return o;
}

// Every committed latent frame, window by window.
std::vector<torch::Tensor> stream_commits(const StreamOptions& options) {
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(prompt_entry(0, "a panda playing guitar", "blurry"));
  StreamGenerator g(testing::tiny_components(), options, timeline);
  return testing::committed_latents(g, kWindows);
}

// The stream's initial noise: each latent frame from the first window that covers it.
torch::Tensor global_noise(const WindowPipeline& pipeline, int64_t overlap) {
  auto noise = pipeline.initial_latents(stream_window_seed(kSeed, 0), kFrames);
  for (int64_t k = 1; k < kWindows; ++k) {
    const auto fresh = pipeline.initial_latents(stream_window_seed(kSeed, k), kFrames);
    noise = torch::cat({noise, fresh.narrow(1, overlap, kFrames - overlap)}, 1);
  }
  return noise;
}

class DeferredBlending : public ::testing::TestWithParam<std::tuple<int64_t, bool>> {};

INSTANTIATE_TEST_SUITE_P(StreamGenerator, DeferredBlending,
                         ::testing::Combine(::testing::Values(6, 9), ::testing::Bool()),
                         [](const auto& info) {
                           return "Overlap" + std::to_string(std::get<0>(info.param)) +
                                  (std::get<1>(info.param) ? "Shared" : "Plain");
                         });

TEST_P(DeferredBlending, CommittedFramesEqualTheOfflineBlend) {
  const auto [overlap, sharing] = GetParam();
  const auto options = one_step(overlap, sharing);
  const auto committed = stream_commits(options);
  const int64_t stride = kFrames - overlap;

  const WindowPipeline pipeline(testing::tiny_components());
  const auto noise = global_noise(pipeline, overlap);
  const auto window = [&](int64_t k) {
    return WindowInput{noise.narrow(1, k * stride, kFrames),
                       pipeline.encode_prompt("a panda playing guitar"),
                       pipeline.encode_prompt("blurry")};
  };
  const GuidedDenoiser denoiser(testing::tiny_components(), options.guidance,
                                {sharing ? *options.kv_gate : KvSharingGate{}});
  const auto sampler = testing::tiny_components()->samplers->make("ddim", 1, {});
  const double t = sampler->timesteps()[0];
  const auto x0 = [&](const torch::Tensor& v, int64_t k) {
    return sampler->to_x0(v, 0, window(k).latents);
  };
  std::vector<WindowPass> passes{{0, x0(denoiser.predict(window(0), t, 0, 1), 0), 1.0}};
  double worst = 0;
  for (int64_t k = 0; k < kWindows; ++k) {
    if (k > 0) {
      const auto plain = denoiser.predict(window(k), t, 0, 1);
      const auto shared = denoiser.predict_pair(window(k - 1), window(k), t, 0, 1).second;
      passes.push_back({k * stride, x0(plain, k), 1.0});
      passes.push_back({k * stride, x0(shared, k), 1.0});
    }
    const auto blended = blend_frames(passes, k * stride + kFrames).narrow(1, k * stride, stride);
    const auto x = noise.narrow(1, k * stride, stride);
    const auto expected = sampler->step(sampler->to_model_output(blended, 0, x), 0, x);
    ASSERT_EQ(committed[k].sizes(), expected.sizes());
    worst = std::max(worst, (committed[k] - expected).abs().max().item<double>());
  }
  std::cout << "max |stream - offline blend| over " << kWindows << " windows: " << worst << "\n";
  EXPECT_LT(worst, 1e-5);
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// StreamingT2V's randomized blending at its two ends (KV-sharing off, CFG on, three DDIM steps):
// seam 0 at every step takes the new window wholly, seam O the carried (previous) one.
TEST(RandomizedBlending, SeamZeroTakesTheNewWindowWhollyAndSeamOThePreviousOne) {
  const auto components = testing::tiny_components();
  const WindowPipeline pipeline(components);
  const GuidedDenoiser denoiser(components, {6.0, false}, {});
  constexpr int64_t kOverlap = 6, kStride = kFrames - kOverlap;
  const auto cond = pipeline.encode_prompt("a panda playing guitar");
  const auto uncond = pipeline.encode_prompt("blurry");
  auto sampler = components->samplers->make("ddim", 3, {});
  const WindowInput first{pipeline.initial_latents(1, kFrames), cond, uncond};
  const auto run0 = denoise_deferred(denoiser, *sampler, first, kOverlap, nullptr, nullptr, {});
  const WindowInput second{pipeline.initial_latents(2, kFrames), cond, uncond};
  const auto with_seam = [&](int64_t r) {
    DeferredControls controls;
    controls.seam = [r](int64_t) { return r; };
    return denoise_deferred(denoiser, *sampler, second, kOverlap, &run0.provisional, nullptr, {},
                            controls);
  };
  WindowInput alone = second;  // the new window by itself, from the provisional frames' noise
  alone.latents =
      torch::cat({run0.provisional.noise, second.latents.narrow(1, kOverlap, kStride)}, 1);
  const auto new_wholly = with_seam(0);
  EXPECT_LT(
      max_diff(new_wholly.latents,
               denoise_deferred(denoiser, *sampler, alone, kOverlap, nullptr, nullptr, {}).latents),
      1e-4);
  const auto previous_wholly = with_seam(kOverlap);
  EXPECT_LT(max_diff(previous_wholly.latents.narrow(1, 0, kOverlap),
                     run0.latents.narrow(1, kStride, kOverlap)),
            1e-4);
  EXPECT_GT(max_diff(with_seam(3).latents, new_wholly.latents), 1e-3);
  EXPECT_THROW(with_seam(kOverlap + 1), std::runtime_error);
}

TEST(RandomizedBlending, StreamIsDeterministicForASeedAndDiffersFromDeferred) {
  auto options = one_step(6, true);
  options.steps = 3;
  const auto deferred = stream_commits(options);
  options.blend = StreamOptions::BlendMode::Randomized;
  const auto a = stream_commits(options), b = stream_commits(options);
  ASSERT_EQ(a.size(), deferred.size());
  for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(torch::equal(a[k], b[k])) << "window " << k;
  EXPECT_TRUE(torch::equal(a[0], deferred[0]));  // window 0 has no provisional frames to split
  EXPECT_GT(max_diff(a.back(), deferred.back()), 1e-4);
  EXPECT_EQ(parse_blend_mode("randomized"), StreamOptions::BlendMode::Randomized);
}

}  // namespace
}  // namespace ditstream
