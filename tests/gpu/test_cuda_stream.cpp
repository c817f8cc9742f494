// The endless stream on CUDA against the CPU on the tiny model (label gpu; skipped without a CUDA
// device): three windows with a prompt change (a transition window with KV-sharing, deferred
// blending), plain and mask-guided, in fp32; bf16 and fp16 within stated tolerances.
#include "core/stream/stream_generator.h"
#include "cuda_test.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

// Three windows: the first prompt, then a transition into the second (KV-sharing with window 0's
// keys and values), then the second prompt. Returns every committed frame, as int.
torch::Tensor stream_frames(const std::string& device, const std::string& dtype, bool mask_guided) {
  const auto model =
      load_pipeline_components(testing::tiny_model_dir(), parse_runtime_options(device, dtype));
  StreamOptions o;
  o.steps = 4;
  o.seed = 5;
  o.mask_guided = mask_guided;
  auto timeline = std::make_shared<PromptTimeline>();
  auto panda = prompt_entry(0, "a panda playing guitar", "blurry");
  panda.subject_words = {"panda"};
  timeline->add(panda);
  StreamGenerator g(model, o, timeline);
  auto train = prompt_entry(g.first_new_frame(1), "a steam train", "blurry");
  train.subject_words = {"train"};
  timeline->add(train);
  std::vector<torch::Tensor> rgb;
  for (int window = 0; window < 3; ++window)
    for (const auto& f : g.next_window()) rgb.push_back(f.rgb);
  return torch::stack(rgb).to(torch::kInt);
}

using CudaStream = testing::CudaTest<::testing::TestWithParam<bool>>;

// fp32 on CUDA differs from the CPU only by summation order: a pixel may round the other way.
TEST_P(CudaStream, Fp32MatchesCpu) {
  const auto cpu = stream_frames("cpu", "fp32", GetParam());
  const auto gpu = stream_frames("cuda", "fp32", GetParam());
  ASSERT_EQ(cpu.sizes(), gpu.sizes());
  EXPECT_LE((cpu - gpu).abs().max().item<int>(), 2);
  EXPECT_LT((cpu - gpu).abs().to(torch::kFloat).mean().item<double>(), 0.05);
}

// Half precisions change every activation by ~1e-3 relative; over 4 steps and 3 windows the
// frames stay close to fp32 on average (stated tolerance: mean |d| <= 4 of 255 levels).
TEST_P(CudaStream, HalfPrecisionsStayCloseToFp32) {
  const auto reference = stream_frames("cuda", "fp32", GetParam());
  for (const char* dtype : {"bf16", "fp16"}) {
    const auto frames = stream_frames("cuda", dtype, GetParam());
    ASSERT_EQ(frames.sizes(), reference.sizes()) << dtype;
    EXPECT_LE((frames - reference).abs().to(torch::kFloat).mean().item<double>(), 4.0) << dtype;
  }
}

INSTANTIATE_TEST_SUITE_P(PlainAndMaskGuided, CudaStream, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "MaskGuided" : "Plain"; });

}  // namespace
}  // namespace ditstream
