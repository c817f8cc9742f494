// Parallel ranks on CUDA (label gpu; skipped without a CUDA device). c10d's NCCL backend at world
// size 1 (skipped with a message when this build found no nccl.h): the group forms through a
// TCPStore on a free port, its collectives give back what they got, and windows and causal
// chunks render through Ulysses' all-to-alls over it, equal to the same forwards without a group.
// More local ranks than GPUs are refused before any worker starts (also without a GPU).
#include "core/parallel/rank_group.h"
#include "core/parallel/stream_ranks.h"
#include "core/parallel/ulysses.h"
#include "cuda_test.h"
#include "parallel_scenarios.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <iostream>

namespace ditstream {
namespace {

const torch::Device kGpu("cuda:0");

class CudaNccl : public testing::CudaTest<::testing::Test> {
 protected:
  void SetUp() override {
    CudaTest::SetUp();
    if (IsSkipped()) return;
    try {
      group_ = std::make_shared<RankGroup>(RankStore::serve({"127.0.0.1", 0}, 1), 0, 1, kGpu);
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()).find("no c10d backend") == std::string::npos) throw;
      GTEST_SKIP() << e.what();
    }
  }

  // `latents` of `model` through Ulysses over the group equal them without it.
  using Latents = std::function<torch::Tensor(std::shared_ptr<const PipelineComponents>)>;
  void expect_same_through_group(const std::filesystem::path& model, const Latents& latents,
                                 const std::string& what) const {
    const auto plain = load_pipeline_components(model, parse_runtime_options("cuda", "fp32"));
    auto grouped = std::make_shared<PipelineComponents>(*plain);
    grouped->forwards = std::make_shared<UlyssesForward>(plain->transformer, group_);
    const auto want = latents(plain), got = latents(grouped);
    ASSERT_EQ(got.sizes(), want.sizes());
    const double relative = ditstream::testing::relative(got, want);
    EXPECT_LT(relative, 1e-4) << what;
    std::cout << what << " over NCCL: relative difference " << relative << "\n";
  }

  std::shared_ptr<RankGroup> group_;
};

TEST_F(CudaNccl, GroupOfOneGivesBackWhatItGot) {
  const auto x = torch::randn({4, 3, 5}, torch::TensorOptions(kGpu));
  EXPECT_TRUE(torch::equal(group_->all_to_all(x), x));
  const auto gathered = group_->all_gather(x);
  ASSERT_EQ(gathered.size(), 1u);
  EXPECT_TRUE(torch::equal(gathered[0], x));
}

// Tiny CogVideoX: the parallel tests' stream with KV-sharing through a transition.
TEST_F(CudaNccl, WindowsRenderThroughTheGroup) {
  expect_same_through_group(
      ditstream::testing::tiny_model_dir(),
      [](auto c) {
        return ditstream::testing::stream_latents(std::move(c), ditstream::testing::Sharing::Plain);
      },
      "windows");
}

// Tiny Wan2.1: the parallel tests' causal chunks with a prompt switch by recache.
TEST_F(CudaNccl, CausalChunksRenderThroughTheGroup) {
  expect_same_through_group(
      ditstream::testing::tiny_wan_model_dir(),
      [](auto c) {
        return ditstream::testing::causal_latents(std::move(c), SwitchMethod::Recache);
      },
      "causal chunks");
}

// Runs without a GPU too (none: 0 GPUs).
TEST(CudaParallel, MoreLocalRanksThanGpusAreRefused) {
  const int gpus = static_cast<int>(torch::cuda::device_count());
  ParallelSettings s;
  s.mode = ParallelMode::Ulysses;
  s.world_size = std::max(2, gpus + 1);
  s.device = "cuda";
  s.model = ditstream::testing::tiny_model_dir();
  try {
    StreamRanks::start(s);
    FAIL() << "started " << s.world_size << " local ranks on " << gpus << " GPUs";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("needs " + std::to_string(s.world_size) + " GPUs"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ditstream
