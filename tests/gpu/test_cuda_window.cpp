// The same window on CUDA and on the CPU (label gpu; skipped without a CUDA device).
#include "core/stream/window_pipeline.h"
#include "cuda_test.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

WindowResult render_on(const std::string& device, const std::string& dtype) {
  WindowOptions o;
  o.prompt = "a panda playing guitar";
  o.steps = 4;
  o.latent_frames = 3;
  const WindowPipeline pipeline(
      load_pipeline_components(testing::tiny_model_dir(), parse_runtime_options(device, dtype)));
  return pipeline.render(o);
}

using CudaWindow = testing::CudaTest<>;

TEST_F(CudaWindow, Fp32MatchesCpu) {
  const auto cpu = render_on("cpu", "fp32");
  const auto gpu = render_on("cuda", "fp32");
  const auto latent_error = (cpu.latents - gpu.latents.cpu()).abs().max().item<double>();
  EXPECT_LT(latent_error, 1e-3 * cpu.latents.abs().max().item<double>());
  const auto pixel_error =
      (cpu.frames.to(torch::kInt) - gpu.frames.to(torch::kInt)).abs().max().item<int>();
  EXPECT_LE(pixel_error, 2);
}

TEST_F(CudaWindow, HalfPrecisionsRun) {
  for (const char* dtype : {"bf16", "fp16"}) {
    const auto r = render_on("cuda", dtype);
    EXPECT_EQ(r.frames.sizes(), (std::vector<int64_t>{9, 64, 96, 3})) << dtype;
  }
}

}  // namespace
}  // namespace ditstream
