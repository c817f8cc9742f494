// Anchor memory: the biased attention against a dense softmax, the hook touching only its layers,
// the anchor rules over prompt changes, the samplers' forward process, and the stream with it.
#include "core/control/anchor_attention.h"
#include "core/sampling/flow_schedule.h"
#include "core/sampling/noise_schedule.h"
#include "core/sampling/sampler.h"
#include "core/stream/anchor_memory.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace ditstream {
namespace {

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(AnchorAttention, EqualsADenseSoftmaxWithTheLogWeightOnTheAnchorKeys) {
  torch::manual_seed(0);
  const auto q = torch::randn({2, 3, 5, 16}), k = torch::randn({2, 3, 5, 16}),
             v = torch::randn({2, 3, 5, 16});
  const AnchorKv::Layer anchor{torch::randn({1, 3, 4, 16}), torch::randn({1, 3, 4, 16})};
  for (const double w : {0.0, -1.2, 2.0}) {
    const auto keys = torch::cat({k, anchor.k.expand({2, -1, -1, -1})}, 2);
    const auto values = torch::cat({v, anchor.v.expand({2, -1, -1, -1})}, 2);
    auto scores = torch::matmul(q, keys.transpose(-1, -2)) / 4.0;
    scores.narrow(-1, 5, 4).add_(w);
    const auto dense = torch::matmul(torch::softmax(scores, -1), values);
    EXPECT_LT(max_diff(attend_with_anchor(q, k, v, anchor, w, full_attention), dense), 1e-5) << w;
  }
}

// Records each self-attention call's output per layer.
struct AttentionOutputs : AttentionControl {
  std::map<int64_t, torch::Tensor> out;
  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override {
    auto o = attention(q, k, v);
    if (site.kind == AttentionKind::Self) out[site.layer] = o;
    return o;
  }
};

TEST(AnchorAttention, ChangesOnlyTheGatedLayersOfTheGatedSteps) {
  const auto components = testing::tiny_components();
  const WindowPipeline pipeline(components);
  const GuidedDenoiser denoiser(components, {1.0, false}, {});
  const auto latents = pipeline.initial_latents(1, 13);
  const auto cond = pipeline.encode_prompt("a panda");
  const KvSharingGate gate{0, 1, 1, 2};  // step 0, layer 1 of the tiny model's 2
  AnchorStep anchor{denoiser.anchor_kv(latents.narrow(1, 0, 1), cond, 500, 0, gate), 0.0};
  ASSERT_EQ(anchor.kv.layers.size(), 1u);
  EXPECT_EQ(anchor.kv.layers.begin()->first, 1);
  const auto forward = [&](AttentionControl* control) {
    AttentionContext ctx;
    ctx.control = control;
    torch::NoGradGuard no_grad;
    return components->transformer->predict(latents, cond, 500, ctx);
  };
  AttentionOutputs plain, anchored;
  forward(&plain);
  AnchorAttention hook(anchor, &anchored);
  forward(&hook);
  EXPECT_EQ(hook.anchored_calls(), 1);
  EXPECT_TRUE(torch::equal(plain.out.at(0), anchored.out.at(0)));
  EXPECT_GT(max_diff(plain.out.at(1), anchored.out.at(1)), 1e-3);
  anchor.kv.layers.clear();
  AnchorAttention empty(anchor, nullptr);
  AttentionOutputs none;
  EXPECT_TRUE(torch::equal(forward(&empty), forward(&none)));
  EXPECT_EQ(empty.anchored_calls(), 0);
}

WindowPlan plain_plan(int64_t id) {
  WindowPlan p;
  p.from.id = p.to.id = id;
  return p;
}

WindowPlan transition_plan(int64_t from, int64_t to, double beta) {
  WindowPlan p = plain_plan(to);
  p.from.id = from;
  p.transition_index = 0;
  p.transition_count = 1;
  p.beta = beta;
  return p;
}

TEST(AnchorMemory, FirstPlainWindowOfAPromptIsItsAnchorAndFadesInTheTransition) {
  AnchorOptions options{AnchorMode::FirstFrame, -0.5, {}};
  AnchorMemory memory(options, 7);
  const auto latents = torch::randn({1, 3, 4, 2, 2}), cond = torch::randn({1, 6, 8});
  EXPECT_FALSE(memory.for_plan(plain_plan(0)));
  memory.offer(plain_plan(0), latents, cond);
  const auto read = memory.for_plan(plain_plan(0));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->second, -0.5);
  EXPECT_TRUE(torch::equal(read->first->latents, latents.narrow(1, 0, 1)));
  const auto first_noise = read->first->noise.clone();
  memory.offer(plain_plan(0), latents + 1, cond);  // later windows of the prompt change nothing
  EXPECT_TRUE(
      torch::equal(memory.for_plan(plain_plan(0))->first->latents, latents.narrow(1, 0, 1)));
  const auto fading = memory.for_plan(transition_plan(0, 1, 0.75));
  ASSERT_TRUE(fading);
  EXPECT_NEAR(fading->second, -0.5 + std::log(0.25), 1e-12);
  memory.offer(transition_plan(0, 1, 0.75), latents + 2, cond);  // a transition is no anchor
  EXPECT_FALSE(memory.for_plan(plain_plan(1)));  // the new prompt's first plain window reads none
  memory.offer(plain_plan(1), latents + 3, cond);
  ASSERT_TRUE(memory.for_plan(plain_plan(1)));
  EXPECT_TRUE(
      torch::equal(memory.for_plan(plain_plan(1))->first->latents, (latents + 3).narrow(1, 0, 1)));
  EXPECT_FALSE(torch::equal(memory.for_plan(plain_plan(1))->first->noise, first_noise));
  EXPECT_FALSE(memory.for_plan(plain_plan(0)));  // one anchor is kept
  AnchorMemory window(AnchorOptions{AnchorMode::FirstWindow, 0.0, {}}, 7);
  window.offer(plain_plan(0), latents, cond);
  EXPECT_EQ(window.for_plan(plain_plan(0))->first->latents.size(1), 3);
}

TEST(AnchorMemory, ParsesModesAndOffOrMinusInfinityReadsNothing) {
  EXPECT_EQ(parse_anchor_mode("first-window"), AnchorMode::FirstWindow);
  EXPECT_EQ(anchor_mode_name(parse_anchor_mode("first-frame")), "first-frame");
  EXPECT_THROW(parse_anchor_mode("first"), std::invalid_argument);
  const auto latents = torch::randn({1, 3, 4, 2, 2}), cond = torch::randn({1, 6, 8});
  for (const auto& options :
       {AnchorOptions{AnchorMode::Off, 0.0, {}},
        AnchorOptions{AnchorMode::FirstFrame, -std::numeric_limits<double>::infinity(), {}}}) {
    AnchorMemory memory(options, 7);
    memory.offer(plain_plan(0), latents, cond);
    EXPECT_FALSE(memory.for_plan(plain_plan(0)));
  }
  const auto gate = AnchorOptions::default_gate(30, 50);
  EXPECT_EQ(gate.size(), 30 * 25);
  EXPECT_TRUE(gate.contains(0, 0) && gate.contains(24, 29) && !gate.contains(25, 0));
}

// x0 of the true model output at noised(x0, eps) is x0 again: v-prediction's v = a·eps − b·x0,
// flow matching's v = eps − x0.
TEST(Sampler, NoisedIsTheForwardProcessItsX0PredictionInverts) {
  const auto x0 = torch::randn({1, 2, 4, 3, 3}), eps = torch::randn({1, 2, 4, 3, 3});
  const NoiseSchedule schedule{SchedulerConfig{}};
  const auto ddim = make_sampler("ddim", schedule, 10);
  const FlowSchedulerConfig flow;  // the defaults: shift 1
  const auto unipc = make_flow_sampler("unipc", flow, 4);
  const auto euler = make_flow_sampler("euler", flow, 4);
  for (const int64_t step : {0, 3}) {
    const auto level = ddim->noise_level(step);
    const auto v = level.signal * eps - level.noise * x0;
    EXPECT_LT(max_diff(ddim->to_x0(v, step, ddim->noised(x0, eps, step)), x0), 1e-5);
    EXPECT_NEAR(level.signal * level.signal + level.noise * level.noise, 1.0, 1e-9);
    for (const auto* s : {unipc.get(), euler.get()}) {
      EXPECT_LT(max_diff(s->to_x0(eps - x0, step, s->noised(x0, eps, step)), x0), 1e-5);
      EXPECT_NEAR(s->noise_level(step).signal + s->noise_level(step).noise, 1.0, 1e-12);
    }
  }
}

std::vector<StreamFrame> stream(const AnchorOptions& anchor, int64_t windows) {
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(prompt_entry(0, "a panda playing guitar", "blurry"));
  StreamOptions o;
  o.steps = 2;
  o.sampler = "ddim";
  o.anchor = anchor;
  StreamGenerator g(testing::tiny_components(), o, timeline);
  std::vector<StreamFrame> all;
  for (int64_t n = 0; n < windows; ++n)
    for (auto& f : g.next_window()) all.push_back(std::move(f));
  return all;
}

bool same_frames(const std::vector<StreamFrame>& a, const std::vector<StreamFrame>& b, size_t begin,
                 size_t end) {
  for (size_t i = begin; i < end; ++i)
    if (!torch::equal(a.at(i).rgb, b.at(i).rgb)) return false;
  return true;
}

TEST(AnchorMemory, StreamIsUnchangedAtMinusInfinityAndAnchoredAfterTheFirstWindow) {
  const auto off = stream({}, 3);
  const auto never =
      stream({AnchorMode::FirstFrame, -std::numeric_limits<double>::infinity(), {}}, 3);
  ASSERT_EQ(off.size(), never.size());
  EXPECT_TRUE(same_frames(off, never, 0, off.size()));
  const auto anchored = stream({AnchorMode::FirstFrame, 0.0, {}}, 3);
  ASSERT_EQ(off.size(), anchored.size());
  const auto first_window = off.size() / 3;  // window 0 reads nothing: it becomes the anchor
  EXPECT_TRUE(same_frames(off, anchored, 0, first_window / 2));
  EXPECT_FALSE(same_frames(off, anchored, first_window, off.size()));
  StreamOptions pinned;
  pinned.blend = StreamOptions::BlendMode::PrefixPinned;
  pinned.anchor.mode = AnchorMode::FirstFrame;
  EXPECT_THROW(
      StreamGenerator(testing::tiny_components(), pinned, std::make_shared<PromptTimeline>()),
      std::runtime_error);
}

}  // namespace
}  // namespace ditstream
