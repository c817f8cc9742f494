// The offline (joint) multi-prompt renderer on the embedded tiny model.
#include "core/metrics/frame_features.h"
#include "core/metrics/transition_quality.h"
#include "core/sampling/sampler.h"
#include "core/stream/offline_renderer.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

OfflineOptions quick() {
  OfflineOptions o;
  o.steps = 6;
  o.seed = 11;
  return o;
}

const std::vector<std::string> kTwoPrompts = {"a red fox running in the snow",
                                              "a white horse running on a beach"};

// Video frames at which a window other than the first starts.
std::vector<int64_t> window_seams(const WindowLayout& layout) {
  std::vector<int64_t> seams;
  for (int64_t n = 1; n < layout.K; ++n) seams.push_back(4 * layout.start(n) - 3);
  return seams;
}

TEST(OfflineRenderer, OnePromptIsTheOneWindowPipeline) {
  for (const char* sampler : {"ddim", "dpmpp-2m-sde"}) {
    auto o = quick();
    o.sampler = sampler;
    const auto offline =
        OfflineRenderer(testing::tiny_components()).render({"a panda"}, "blurry", o);
    WindowOptions w;
    w.prompt = "a panda";
    w.negative_prompt = "blurry";
    w.steps = o.steps;
    w.seed = o.seed;
    w.sampler = sampler;
    const auto window = WindowPipeline(testing::tiny_components()).render(w);
    EXPECT_EQ(offline.layout.K, 1);
    EXPECT_TRUE(torch::equal(offline.latents, window.latents)) << sampler;
    EXPECT_TRUE(torch::equal(offline.frames, window.frames)) << sampler;
  }
}

TEST(OfflineRenderer, TwoPromptsAtSixOneMake105DeterministicFrames) {
  const OfflineRenderer renderer(testing::tiny_components());
  const auto a = renderer.render(kTwoPrompts, "", quick());
  EXPECT_EQ(a.layout.K, 3);
  EXPECT_EQ(a.layout.L, 27);
  EXPECT_EQ(a.frames.size(0), 105);
  EXPECT_TRUE(torch::equal(a.frames, renderer.render(kTwoPrompts, "", quick()).frames));
}

TEST(OfflineRenderer, NineTwoLayoutAndKvSharingMatter) {
  auto o = quick();
  o.overlap = 9;
  o.transition_windows = 2;
  const OfflineRenderer renderer(testing::tiny_components());
  const auto shared = renderer.render(kTwoPrompts, "", o);
  EXPECT_EQ(shared.layout.L, 25);
  EXPECT_EQ(shared.frames.size(0), 97);
  o.kv_sharing = false;
  EXPECT_FALSE(torch::equal(shared.latents, renderer.render(kTwoPrompts, "", o).latents));
}

TEST(OfflineRenderer, MaskGuidedSharingUsesTheEntriesSubjects) {
  std::vector<PromptEntry> prompts(2);
  prompts[0].text = kTwoPrompts[0];
  prompts[0].subject_words = {"fox"};
  prompts[1].text = kTwoPrompts[1];
  prompts[1].subject_words = {"horse"};
  auto o = quick();
  o.mask_guided = true;
  const OfflineRenderer renderer(testing::tiny_components());
  const auto masked = renderer.render(prompts, "", o);
  o.mask_guided = false;
  EXPECT_FALSE(torch::equal(masked.latents, renderer.render(prompts, "", o).latents));
  o.mask_guided = true;
  prompts[1].subject_words = {"zebra"};
  try {
    renderer.render(prompts, "", o);
    ADD_FAILURE() << "a subject word missing from its prompt was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("zebra"), std::string::npos) << e.what();
  }
}

TEST(OfflineRenderer, BlendingChangesTheWindowSeams) {
  const OfflineRenderer renderer(testing::tiny_components());
  auto o = quick();
  const auto blended = renderer.render(kTwoPrompts, "", o);
  o.blending = false;
  const auto hard = renderer.render(kTwoPrompts, "", o);
  const PixelStatisticsFeatures features;
  const auto seams = window_seams(blended.layout);
  const auto on = evaluate_transition_quality(blended.frames, seams, features);
  const auto off = evaluate_transition_quality(hard.frames, seams, features);
  std::cout << "seam ratio blending on " << on.seams.ratio << ", off " << off.seams.ratio
            << "; CSCV on " << on.cscv << ", off " << off.cscv << "\n";
  // With the random-weight tiny model both are ~1.2 and the direction is not reliable (measured:
  // on 1.211, off 1.205); it is asserted on the trained demo model, not here.
  EXPECT_NE(on.seams.ratio, off.seams.ratio);
  EXPECT_FALSE(torch::equal(blended.frames, hard.frames));
}

TEST(OfflineRenderer, CancelsBetweenSteps) {
  WindowCallbacks callbacks;
  int64_t steps = 0;
  callbacks.on_step = [&](int64_t, int64_t) { ++steps; };
  callbacks.cancelled = [&] { return steps == 2; };
  EXPECT_THROW(
      OfflineRenderer(testing::tiny_components()).render(kTwoPrompts, "", quick(), callbacks),
      SamplingCancelled);
  EXPECT_EQ(steps, 2);
}

}  // namespace
}  // namespace ditstream
