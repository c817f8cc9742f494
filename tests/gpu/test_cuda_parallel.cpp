// Parallel ranks on CUDA (label gpu; skipped without a CUDA device). c10d's NCCL backend at world
// size 1 (skipped with a message when this build found no nccl.h): the group forms through a
// TCPStore on a free port, its collectives give back what they got, and windows and causal
// chunks render through Ulysses' all-to-alls over it, equal to the same forwards without a group.
// More local ranks than GPUs are refused before any worker starts (also without a GPU).
#include "committed_latents.h"
#include "core/parallel/rank_group.h"
#include "core/parallel/stream_ranks.h"
#include "core/parallel/ulysses.h"
#include "cuda_test.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
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
  using Latents = torch::Tensor (*)(std::shared_ptr<const PipelineComponents>);
  void expect_same_through_group(const std::filesystem::path& model, Latents latents,
                                 const std::string& what) const {
    const auto plain = load_pipeline_components(model, parse_runtime_options("cuda", "fp32"));
    auto grouped = std::make_shared<PipelineComponents>(*plain);
    grouped->forwards = std::make_shared<UlyssesForward>(plain->transformer, group_);
    const auto want = latents(plain), got = latents(grouped);
    ASSERT_EQ(got.sizes(), want.sizes());
    const double relative = ((got - want).norm() / want.norm()).item<double>();
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

// Tiny CogVideoX, 3 windows with KV-sharing through a switch to a second prompt at window 1.
torch::Tensor window_latents(std::shared_ptr<const PipelineComponents> components) {
  StreamOptions o;
  o.steps = 4;
  o.seed = 3;
  o.kv_sharing = true;
  auto timeline = std::make_shared<PromptTimeline>();
  StreamGenerator g(std::move(components), o, timeline);
  timeline->add(prompt_entry(0, "a red fox running in the snow"));
  timeline->add(prompt_entry(g.first_new_frame(1), "a white horse running in the snow"));
  return torch::cat(ditstream::testing::committed_latents(g, 3), 1);
}

TEST_F(CudaNccl, WindowsRenderThroughTheGroup) {
  expect_same_through_group(ditstream::testing::tiny_model_dir(), window_latents, "windows");
}

// Tiny Wan2.1, 4 causal chunks with a prompt switch by recache at chunk 2.
torch::Tensor chunk_latents(std::shared_ptr<const PipelineComponents> components) {
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(prompt_entry(0, "a red circle"));
  timeline->add(prompt_entry(4, "a blue square"));
  CausalGenerator g(std::move(components), ditstream::testing::small_causal_options(), timeline);
  return torch::cat(ditstream::testing::committed_latents(g, 4), 1);
}

TEST_F(CudaNccl, CausalChunksRenderThroughTheGroup) {
  expect_same_through_group(ditstream::testing::tiny_wan_model_dir(), chunk_latents,
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
