// Forwards over c10d/Gloo ranks on loopback: two ranks in this process (threads). CFG-parallel
// (the unconditional rows on rank 1) and Ulysses (the video tokens split, all-to-all around
// attention): a stream with plain, transition, KV-sharing and mask-guided windows equals the
// single-process stream within 1e-5 and 1e-4.
#include "committed_latents.h"
#include "core/parallel/call_transport.h"
#include "core/parallel/cfg_parallel.h"
#include "core/parallel/cfg_ulysses.h"
#include "core/parallel/row_split.h"
#include "core/parallel/ulysses.h"
#include "core/stream/causal_generator.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"
#include "parallel_scenarios.h"
#include "tiny_components.h"
#include "two_ranks.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <iostream>
#include <thread>

namespace ditstream {
namespace {

using namespace std::chrono_literals;
const std::vector<BatchRole> kGatedRoles{BatchRole::Uncond, BatchRole::Uncond, BatchRole::Cond,
                                         BatchRole::Cond};

ForwardCall gated_call() {
  ForwardCall call;
  call.latents = torch::arange(4).view({4, 1, 1, 1, 1}).to(torch::kFloat);
  call.text = torch::arange(4).view({4, 1, 1}).to(torch::kFloat);
  call.roles = kGatedRoles;
  call.fork = {1,
               {0, 1, 1, 2, 3, 3},
               {kGatedRoles[0], kGatedRoles[0], kGatedRoles[0], kGatedRoles[2], kGatedRoles[2],
                kGatedRoles[2]}};
  call.control.kind = ControlSpec::Kind::KvSharing;
  call.control.gate = {0, 1, 1, 2};
  call.control.layout = {{{0, 2, 3, 5}, {3, 5, 3, 5}}};
  return call;
}

TEST(RowSplit, RenumbersRowsForkAndPairsOfEachBranch) {
  const ForwardCall call = gated_call();
  EXPECT_EQ(output_rows(call, BatchRole::Uncond), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(output_rows(call, BatchRole::Cond), (std::vector<int64_t>{3, 4, 5}));
  const ForwardCall cond = rows_of_role(call, BatchRole::Cond);
  EXPECT_TRUE(torch::equal(cond.latents.flatten(), torch::tensor({2.0f, 3.0f})));
  EXPECT_EQ(cond.fork.rows, (std::vector<int64_t>{0, 1, 1}));
  ASSERT_EQ(cond.control.layout.pairs.size(), 1u);
  EXPECT_EQ(cond.control.layout.pairs[0].source, 0);
  EXPECT_EQ(cond.control.layout.pairs[0].target, 2);
  const ForwardCall uncond = rows_of_role(call, BatchRole::Uncond);
  EXPECT_TRUE(torch::equal(uncond.text.flatten(), torch::tensor({0.0f, 1.0f})));
  ASSERT_EQ(uncond.control.layout.pairs.size(), 1u);
  EXPECT_EQ(uncond.control.layout.pairs[0].target, 2);
}

// The unconditional pairs read the conditional rows' masks: the conditional part sends the
// masks of its rows (c_src, c_tgt) = (0, 1), the unconditional part receives them under that name.
TEST(RowSplit, MaskGuidedRelaysTheConditionalMasksToTheUnconditionalPart) {
  ForwardCall call = gated_call();
  call.control.kind = ControlSpec::Kind::MaskGuided;
  const ControlSpec cond = rows_of_role(call, BatchRole::Cond).control;
  const ControlSpec uncond = rows_of_role(call, BatchRole::Uncond).control;
  const std::vector<std::pair<int64_t, int64_t>> groups{{0, 2}};
  EXPECT_EQ(cond.mask.relay.role, MaskRelaySpec::Role::Send);
  EXPECT_EQ(cond.mask.relay.groups, groups);
  EXPECT_EQ(uncond.mask.relay.role, MaskRelaySpec::Role::Receive);
  EXPECT_EQ(uncond.mask.relay.groups, groups);
  ASSERT_EQ(uncond.layout.pairs.size(), 1u);
  EXPECT_EQ(uncond.layout.pairs[0].mask_source, 0);
  EXPECT_EQ(uncond.layout.pairs[0].mask_target, 2);
  EXPECT_TRUE(relays_masks(rows_of_role(call, BatchRole::Uncond)));
  call.control.kind = ControlSpec::Kind::KvSharing;
  EXPECT_FALSE(relays_masks(rows_of_role(call, BatchRole::Cond)));
}

std::shared_ptr<const PipelineComponents> cfg_components(const testing::TwoRanks& ranks) {
  auto c = std::make_shared<PipelineComponents>(*testing::tiny_components());
  c->forwards = std::make_shared<CfgParallelForward>(c->transformer, ranks.group());
  return c;
}

int64_t serve_cfg(RankGroup& group) {
  return serve_forwards(group, *testing::tiny_components()->transformer);
}

using testing::causal_latents;
using testing::relative;
using testing::Sharing;
using testing::stream_latents;

const std::vector<Sharing> kAllSharing{Sharing::Off, Sharing::Plain, Sharing::MaskGuided};

TEST(CfgParallel, StreamWithTransitionAndKvSharingEqualsOneProcess) {
  testing::TwoRanks ranks(serve_cfg);
  for (const auto sharing : kAllSharing) {
    const auto single = stream_latents(testing::tiny_components(), sharing);
    const auto split = stream_latents(cfg_components(ranks), sharing);
    ASSERT_EQ(split.sizes(), single.sizes());
    EXPECT_LT(relative(split, single), 1e-5) << name(sharing);
    std::cout << name(sharing) << ": relative difference " << relative(split, single) << "\n";
  }
  // 5 windows x 4 steps, every run: each step's unconditional rows ran on rank 1.
  EXPECT_GE(ranks.stop(), 3 * 5 * 4);
}

// The masks matter: mask-guided and plain KV-sharing streams differ (so the parity above checks
// the relayed masks, not all-ones ones).
TEST(CfgParallel, MaskGuidedStreamDiffersFromPlainSharing) {
  const auto plain = stream_latents(testing::tiny_components(), Sharing::Plain);
  const auto masked = stream_latents(testing::tiny_components(), Sharing::MaskGuided);
  EXPECT_GT(relative(masked, plain), 1e-4);
}

TEST(CfgParallel, TransportCarriesACallWithItsAnchorExactly) {
  auto store = RankStore::serve({"127.0.0.1", 0}, 2);
  ForwardCall call = gated_call();
  call.t = 937.5;
  call.anchor.emplace();
  call.anchor->log_weight = -0.25;
  call.anchor->kv.layers[3] = {torch::randn({1, 2, 5, 4}), torch::randn({1, 2, 5, 4})};
  std::optional<ForwardCall> got;
  std::thread receiver([&, port = store->port()] {
    RankGroup group(RankStore::connect({"127.0.0.1", port}, 30s), 1, 2, torch::kCPU);
    got = recv_call(group, 0);
    EXPECT_FALSE(recv_call(group, 0).has_value());
  });
  RankGroup group(store, 0, 2, torch::kCPU);
  send_call(group, call, 1);
  send_stop(group, 1);
  receiver.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->t, 937.5);
  EXPECT_EQ(got->roles, call.roles);
  EXPECT_EQ(got->fork.rows, call.fork.rows);
  EXPECT_EQ(got->control.layout.pairs.size(), 2u);
  EXPECT_TRUE(torch::equal(got->latents, call.latents));
  ASSERT_TRUE(got->anchor.has_value());
  EXPECT_EQ(got->anchor->log_weight, -0.25);
  EXPECT_TRUE(torch::equal(got->anchor->kv.layers.at(3).v, call.anchor->kv.layers.at(3).v));
}

std::shared_ptr<const PipelineComponents> ulysses_components(const testing::TwoRanks& ranks) {
  auto c = std::make_shared<PipelineComponents>(*testing::tiny_components());
  c->forwards = std::make_shared<UlyssesForward>(c->transformer, ranks.group());
  return c;
}

int64_t serve_ulysses(RankGroup& group) {
  return serve_sharded_forwards(group, group, *testing::tiny_components()->transformer);
}

// Joint attention of 3 text + 8 video tokens, 4 heads: each rank holds 4 video tokens, the
// exchange gives attention the whole sequence; the result equals one attention call.
TEST(Ulysses, ExchangeAroundAttentionEqualsFullAttention) {
  torch::manual_seed(5);
  const auto q = torch::randn({2, 4, 11, 8}), k = torch::randn({2, 4, 11, 8}),
             v = torch::randn({2, 4, 11, 8});
  const auto full = full_attention(q, k, v);
  const auto part = [&](const torch::Tensor& x, int rank) {
    return torch::cat({x.slice(2, 0, 3), x.slice(2, 3 + 4 * rank, 7 + 4 * rank)}, 2);
  };
  const AttentionSite site{0, 0, 3};
  torch::Tensor theirs;
  testing::TwoRanks ranks([&](RankGroup& group) {
    UlyssesAttention exchange(group, nullptr);
    theirs = exchange.attend(site, part(q, 1), part(k, 1), part(v, 1), full_attention);
    return int64_t{1};
  });
  UlyssesAttention exchange(*ranks.group(), nullptr);
  const auto mine = exchange.attend(site, part(q, 0), part(k, 0), part(v, 0), full_attention);
  ranks.join();
  EXPECT_TRUE(torch::allclose(mine, part(full, 0), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(theirs, part(full, 1), 1e-5, 1e-6));
}

TEST(Ulysses, StreamWithTransitionKvSharingAndAnchorEqualsOneProcess) {
  testing::TwoRanks ranks(serve_ulysses);
  const std::vector<std::pair<Sharing, AnchorMode>> runs{{Sharing::Off, AnchorMode::Off},
                                                         {Sharing::Plain, AnchorMode::Off},
                                                         {Sharing::MaskGuided, AnchorMode::Off},
                                                         {Sharing::Plain, AnchorMode::FirstFrame}};
  for (const auto& [sharing, anchor] : runs) {
    const auto single = stream_latents(testing::tiny_components(), sharing, anchor);
    const auto split = stream_latents(ulysses_components(ranks), sharing, anchor);
    ASSERT_EQ(split.sizes(), single.sizes());
    EXPECT_LT(relative(split, single), 1e-4) << name(sharing);
    std::cout << name(sharing) << ", anchor " << int(anchor) << ": relative difference "
              << relative(split, single) << "\n";
  }
  EXPECT_GE(ranks.stop(), 4 * 5 * 4);  // rank 1 ran its part of every forward
}

// Wan2.1 (text by cross-attention, per-token RoPE): one guided window of 18 video tokens, one
// head per rank.
TEST(Ulysses, WanWindowEqualsOneProcess) {
  const auto wan = testing::tiny_wan_components();
  testing::TwoRanks ranks(
      [&](RankGroup& group) { return serve_sharded_forwards(group, group, *wan->transformer); });
  auto split = std::make_shared<PipelineComponents>(*wan);
  split->forwards = std::make_shared<UlyssesForward>(wan->transformer, ranks.group());
  const auto o = testing::small_wan_window();
  const auto single = WindowPipeline(wan).render(o).latents;
  const auto parallel = WindowPipeline(split).render(o).latents;
  EXPECT_LT(relative(parallel, single), 1e-4);
  std::cout << "wan: relative difference " << relative(parallel, single) << "\n";
  EXPECT_EQ(ranks.stop(), 2);  // one CFG forward per step
}

// Wan2.1 mask-guided (maps from the cross-attention, whose video queries Ulysses splits; fusion
// on the self-attention): 3 windows through a change of the circle's colour.
torch::Tensor wan_masked_latents(std::shared_ptr<const PipelineComponents> components) {
  auto o = testing::small_wan_stream();
  o.mask_guided = true;
  auto timeline = std::make_shared<PromptTimeline>();
  auto red = prompt_entry(0, "a red circle moving right"),
       blue = prompt_entry(5, "a blue circle moving up");
  red.subject_words = blue.subject_words = {"circle"};
  blue.transition_windows = 1;
  timeline->add(red);
  timeline->add(blue);
  StreamGenerator g(std::move(components), o, timeline);
  return torch::cat(testing::committed_latents(g, 3), 1);
}

TEST(Ulysses, WanMaskGuidedStreamEqualsOneProcessSplitByTokensOrByBranch) {
  const auto wan = testing::tiny_wan_components();
  const auto single = wan_masked_latents(wan);
  for (const bool cfg : {false, true}) {
    testing::TwoRanks ranks([&](RankGroup& group) {
      return cfg ? serve_forwards(group, *wan->transformer)
                 : serve_sharded_forwards(group, group, *wan->transformer);
    });
    auto split = std::make_shared<PipelineComponents>(*wan);
    if (cfg)
      split->forwards = std::make_shared<CfgParallelForward>(wan->transformer, ranks.group());
    else
      split->forwards = std::make_shared<UlyssesForward>(wan->transformer, ranks.group());
    const auto parallel = wan_masked_latents(split);
    ASSERT_EQ(parallel.sizes(), single.sizes());
    EXPECT_LT(relative(parallel, single), cfg ? 1e-5 : 1e-4) << "cfg " << cfg;
    std::cout << (cfg ? "wan mask-guided, cfg" : "wan mask-guided, ulysses")
              << ": relative difference " << relative(parallel, single) << "\n";
    EXPECT_GE(ranks.stop(), 3 * 3);
  }
}

// Causal chunks by KV-recache and by DiTCtrl's switch: each rank's cache holds its head of every
// cached frame.
TEST(Ulysses, CausalChunksWithAPromptSwitchEqualOneProcess) {
  const auto wan = testing::tiny_wan_components();
  testing::TwoRanks ranks(
      [&](RankGroup& group) { return serve_sharded_forwards(group, group, *wan->transformer); });
  auto split = std::make_shared<PipelineComponents>(*wan);
  split->forwards = std::make_shared<UlyssesForward>(wan->transformer, ranks.group());
  for (const auto method : {SwitchMethod::Recache, SwitchMethod::Ditctrl}) {
    const auto single = causal_latents(wan, method);
    const auto parallel = causal_latents(split, method);
    ASSERT_EQ(parallel.sizes(), single.sizes());
    EXPECT_LT(relative(parallel, single), 1e-4) << "method " << int(method);
    std::cout << "causal, method " << int(method) << ": relative difference "
              << relative(parallel, single) << "\n";
  }
  // Per run: 6 chunks x (4 steps + the cache pass) and one recache.
  EXPECT_EQ(ranks.stop(), 2 * (6 * 5 + 1));
}

// parallel=cfg+ulysses on 4 ranks in this process: each branch on a Ulysses pair (ranks 0-1 the
// conditional rows, 2-3 the unconditional ones), rank 2 returning its branch's prediction.
TEST(CfgUlysses, StreamWithTransitionAndKvSharingEqualsOneProcess) {
  auto store = RankStore::serve({"127.0.0.1", 0}, 4);
  const uint16_t port = store->port();
  const auto& transformer = *testing::tiny_components()->transformer;
  std::atomic<int64_t> served{0};
  std::vector<std::thread> workers;
  for (int rank = 1; rank < 4; ++rank)
    workers.emplace_back([&, rank] {
      const auto mine = RankStore::connect({"127.0.0.1", port}, 30s);
      RankGroup world(mine, rank, 4, torch::kCPU);
      const BranchRank b = branch_rank(rank, 4);
      RankGroup branch(mine, b.position, b.size, torch::kCPU, b.group_name());
      served += serve_sharded_forwards(world, branch, transformer, b.branch == 1 && b.position == 0,
                                       b.peer());
    });
  auto world = std::make_shared<RankGroup>(store, 0, 4, torch::kCPU);
  auto branch = std::make_shared<RankGroup>(store, 0, 2, torch::kCPU, "branch0");
  auto split = std::make_shared<PipelineComponents>(*testing::tiny_components());
  split->forwards = std::make_shared<CfgUlyssesForward>(split->transformer, world, branch);
  for (const auto sharing : kAllSharing) {
    const auto single = stream_latents(testing::tiny_components(), sharing);
    const auto parallel = stream_latents(split, sharing);
    ASSERT_EQ(parallel.sizes(), single.sizes());
    EXPECT_LT(relative(parallel, single), 1e-4) << name(sharing);
    std::cout << "cfg+ulysses, " << name(sharing) << ": relative difference "
              << relative(parallel, single) << "\n";
  }
  for (int rank = 1; rank < 4; ++rank) send_stop(*world, rank);
  for (auto& w : workers) w.join();
  EXPECT_EQ(served.load(), 3 * 3 * 5 * 4);  // every rank its part of every step's forward
}

}  // namespace
}  // namespace ditstream
