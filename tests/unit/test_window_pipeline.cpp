// The one-window pipeline on the embedded tiny model: determinism, progress, cancellation, dtypes.
#include "core/sampling/sampler.h"
#include "core/stream/window_pipeline.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

std::shared_ptr<const PipelineComponents> tiny(const std::string& dtype = "fp32") {
  return load_pipeline_components(testing::tiny_model_dir(), parse_runtime_options("cpu", dtype));
}

WindowOptions quick(int64_t seed = 3) {
  WindowOptions o;
  o.prompt = "a panda playing guitar";
  o.negative_prompt = "blurry";
  o.seed = seed;
  o.steps = 4;
  o.latent_frames = 3;
  return o;
}

TEST(WindowPipeline, SameSeedSameFramesOtherSeedOtherFrames) {
  const WindowPipeline pipeline(tiny());
  const auto a = pipeline.render(quick());
  const auto b = pipeline.render(quick());
  EXPECT_EQ(a.frames.sizes(), (std::vector<int64_t>{9, 64, 96, 3}));
  EXPECT_EQ(a.frames.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(a.frames, b.frames));
  EXPECT_FALSE(torch::equal(a.frames, pipeline.render(quick(4)).frames));
}

TEST(WindowPipeline, PromptChangesTheFrames) {
  const WindowPipeline pipeline(tiny());
  auto other = quick();
  other.prompt = "a steam train";
  EXPECT_FALSE(torch::equal(pipeline.render(quick()).frames, pipeline.render(other).frames));
}

TEST(WindowPipeline, ReportsEveryStepAndCancelsBetweenSteps) {
  const WindowPipeline pipeline(tiny());
  std::vector<int64_t> steps;
  WindowCallbacks callbacks;
  callbacks.on_step = [&](int64_t step, int64_t total) {
    EXPECT_EQ(total, 4);
    steps.push_back(step);
  };
  pipeline.render(quick(), callbacks);
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 1, 2, 3}));
  steps.clear();
  callbacks.cancelled = [&] { return steps.size() == 2; };
  EXPECT_THROW(pipeline.render(quick(), callbacks), SamplingCancelled);
  EXPECT_EQ(steps.size(), 2u);
}

TEST(WindowPipeline, Bf16RunsCloseToFp32) {
  const auto fp32 = WindowPipeline(tiny()).render(quick());
  const auto bf16 = WindowPipeline(tiny("bf16")).render(quick());
  EXPECT_EQ(bf16.latents.scalar_type(), torch::kBFloat16);
  const auto diff = (fp32.frames.to(torch::kFloat) - bf16.frames.to(torch::kFloat)).abs().mean();
  EXPECT_LT(diff.item<double>(), 40.0);  // random weights amplify bf16 rounding; not identical
}

TEST(WindowPipeline, WithoutGuidanceRunsOneBatchRow) {
  const WindowPipeline pipeline(tiny());
  auto o = quick();
  o.guidance = 1.0;
  int64_t rows = 0;
  WindowCallbacks callbacks;
  callbacks.on_model_output = [&](int64_t, const torch::Tensor&, const torch::Tensor& raw, double) {
    rows = raw.size(0);
  };
  pipeline.render(o, callbacks);
  EXPECT_EQ(rows, 1);
}

}  // namespace
}  // namespace ditstream
