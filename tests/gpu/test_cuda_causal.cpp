// The causal generator on CUDA against the CPU on tiny-wan (label gpu; skipped without a CUDA
// device): four chunks with a prompt switch by recache, the decode overlapped on its own stream
// (the session's CUDA default) against the synchronous CPU decode, in fp32; bf16 within a stated
// tolerance.
#include "core/stream/causal_generator.h"
#include "cuda_test.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

torch::Tensor causal_frames(const std::string& device, const std::string& dtype, bool overlap) {
  const auto model =
      load_pipeline_components(testing::tiny_wan_model_dir(), parse_runtime_options(device, dtype));
  CausalOptions o;
  o.window_frames = 7;
  o.sink_frames = 1;
  o.latent_height = 4;
  o.latent_width = 6;
  o.seed = 5;
  o.overlap_decode = overlap;
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(prompt_entry(0, "a red circle moving right"));
  CausalGenerator g(model, o, timeline);
  timeline->add(prompt_entry(g.first_new_frame(2), "a white square moving up"));
  std::vector<torch::Tensor> rgb;
  torch::NoGradGuard no_grad;
  for (int chunk = 0; chunk < 4; ++chunk)
    for (const auto& f : g.next_window()) rgb.push_back(f.rgb);
  for (const auto& f : g.finish()) rgb.push_back(f.rgb);
  return torch::stack(rgb).to(torch::kInt);
}

using CudaCausal = testing::CudaTest<::testing::Test>;

TEST_F(CudaCausal, OverlappedFp32MatchesTheCpu) {
  const auto cpu = causal_frames("cpu", "fp32", false);
  const auto gpu = causal_frames("cuda", "fp32", true);
  ASSERT_EQ(cpu.sizes(), gpu.sizes());
  EXPECT_LE((cpu - gpu).abs().max().item<int>(), 2);
  EXPECT_LT((cpu - gpu).abs().to(torch::kFloat).mean().item<double>(), 0.05);
}

// bf16 (the live setting) stays close to fp32 on average: mean |d| <= 4 of 255 levels.
TEST_F(CudaCausal, Bf16StaysCloseToFp32) {
  const auto reference = causal_frames("cuda", "fp32", true);
  const auto frames = causal_frames("cuda", "bf16", true);
  ASSERT_EQ(frames.sizes(), reference.sizes());
  EXPECT_LE((frames - reference).abs().to(torch::kFloat).mean().item<double>(), 4.0);
}

}  // namespace
}  // namespace ditstream
