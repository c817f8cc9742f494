// The Wan2.1 family through the family-agnostic runtime, on the tiny-wan folder make-random
// writes: loading, one window, KV-sharing on Wan's self-attention, and a stream with a prompt
// change (transition window, blending, every frame decoded once).
#include "core/control/kv_sharing.h"
#include "core/control/mask_guided.h"
#include "core/session/stream_settings.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"
#include "core/text/prompt_encoder.h"
#include "core/text/t5_tokenizer.h"
#include "test_support.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

std::shared_ptr<const PipelineComponents> tiny_wan() { return testing::tiny_wan_components(); }

TEST(WanFamily, FolderLoadsWithWanDefaults) {
  const auto& c = *tiny_wan();
  const auto& g = c.geometry();
  EXPECT_EQ(g.family, "wan");
  EXPECT_EQ(g.frame_rate, 16);
  EXPECT_EQ(g.text_length, 512);
  EXPECT_EQ(g.latent_frames, 21);
  EXPECT_EQ(g.latent_height * g.spatial_compression, 480);
  EXPECT_EQ(g.latent_width * g.spatial_compression, 832);
  EXPECT_EQ(c.samplers->default_name(), "unipc");
  try {
    c.samplers->make("ddim", 4, {});
    FAIL() << "a flow-matching folder made a DDIM sampler";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"unipc\", \"euler\""), std::string::npos) << e.what();
  }
}

// "auto" settings resolve to Wan's pipeline defaults; explicit values win; generator=auto keeps a
// plain diffusers folder windowed.
TEST(WanFamily, AutoSettingsTakeWansDefaults) {
  SessionSettings s;
  auto o = to_stream_options(s, *tiny_wan());
  EXPECT_EQ(o.steps, 50);
  EXPECT_EQ(o.guidance.scale, 5.0);
  EXPECT_EQ(o.sampler, "unipc");
  s.steps = 4;
  s.guidance = 3.0;
  s.sampler = SamplerChoice::Euler;
  o = to_stream_options(s, *tiny_wan());
  EXPECT_EQ(o.steps, 4);
  EXPECT_EQ(o.guidance.scale, 3.0);
  EXPECT_EQ(o.sampler, "euler");
  EXPECT_FALSE(runs_causal(s, *tiny_wan()));
  s.generator = GeneratorChoice::Causal;
  EXPECT_TRUE(runs_causal(s, *tiny_wan()));
}

TEST(WanFamily, PromptEmbeddingIsZeroPastThePromptsLength) {
  const auto& text = *tiny_wan()->text;
  const auto e = text.encode("a red circle moving right");
  ASSERT_EQ(e.sizes(), (std::vector<int64_t>{1, 512, 32}));
  const auto valid =
      static_cast<int64_t>(text.tokenizer().encode("a red circle moving right").size()) + 1;
  EXPECT_GT(e.narrow(1, 0, valid).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(e.narrow(1, valid, 512 - valid).abs().max().item<double>(), 0.0);
}

TEST(WanFamily, OneWindowRendersAtTheRequestedSize) {
  const auto result = WindowPipeline(tiny_wan()).render(testing::small_wan_window());
  EXPECT_EQ(result.latents.sizes(), (std::vector<int64_t>{1, 3, 16, 4, 6}));
  EXPECT_EQ(result.frames.sizes(), (std::vector<int64_t>{9, 32, 48, 3}));
  EXPECT_EQ(result.frames.scalar_type(), torch::kUInt8);
}

// Wan's text enters by cross-attention, so its self-attention holds video tokens only: the
// target row reads the source row's K/V in exactly the gated layers; the source row is unchanged.
TEST(WanFamily, KvSharingOnSelfAttentionChangesOnlyTheTarget) {
  const auto& model = *tiny_wan()->transformer;
  torch::manual_seed(0);
  const auto x = torch::randn({2, 2, 16, 4, 6});
  const auto text = torch::randn({2, 512, 32});
  KvSharingControl control({0, 1, 1, 2}, KvSharingLayout::plain_pair());
  AttentionContext ctx;
  ctx.control = &control;
  ctx.roles = {BatchRole::Cond, BatchRole::Cond};
  const auto shared = model.predict(x, text, 500.0, ctx);
  const auto plain = model.predict(x, text, 500.0, {});
  EXPECT_EQ(control.calls(), 2);  // one self-attention call per block
  ASSERT_EQ(control.shared_calls().size(), 1u);
  EXPECT_EQ(control.shared_calls()[0].layer, 1);
  EXPECT_TRUE(torch::equal(shared[0], plain[0]));
  EXPECT_GT((shared[1] - plain[1]).abs().max().item<double>(), 1e-4);
}

// Mask-guided sharing on Wan: the subject maps come from the cross-attention (attn2) of the
// layers before, the fusion happens on the video-only self-attention; plain self-attention and
// the source row are untouched.
TEST(WanFamily, MaskGuidedSharingTakesItsMapsFromTheCrossAttention) {
  const auto& model = *tiny_wan()->transformer;
  torch::manual_seed(1);
  const auto x = torch::randn({2, 2, 16, 4, 6});
  const auto text = torch::randn({2, 512, 32});
  MaskGuidedOptions mask;
  mask.source_tokens = {1, 2};
  mask.target_tokens = {1};
  mask.tokens_per_frame = 6;
  MaskGuidedKvSharingControl control({0, 1, 1, 2}, KvSharingLayout::plain_pair(), mask);
  AttentionContext ctx;
  ctx.control = &control;
  ctx.roles = {BatchRole::Cond, BatchRole::Cond};
  const auto shared = model.predict(x, text, 500.0, ctx);
  EXPECT_EQ(control.calls(), 2);  // self-attention calls; the cross ones only feed the maps
  ASSERT_EQ(control.last_masks().size(), 1u);
  const auto& m = control.last_masks()[0];
  EXPECT_EQ(m.source.sizes(), (std::vector<int64_t>{2, 6}));
  EXPECT_TRUE(m.source.any().item<bool>());
  EXPECT_FALSE(m.source.all().item<bool>());  // layer 0's cross map picked a foreground
  EXPECT_TRUE(torch::equal(shared[0], model.predict(x, text, 500.0, {})[0]));
}

TEST(WanFamily, MaskGuidedStreamRunsThroughAPromptChange) {
  auto o = testing::small_wan_stream();
  o.mask_guided = true;
  auto timeline = std::make_shared<PromptTimeline>();
  auto red = prompt_entry(0, "a red circle moving right");
  red.subject_words = {"circle"};
  timeline->add(red);
  auto blue = prompt_entry(5, "a blue circle moving up");
  blue.subject_words = {"circle"};
  blue.transition_windows = 1;
  timeline->add(blue);
  StreamGenerator g(tiny_wan(), o, timeline);
  int64_t frames = 0;
  for (int window = 0; window < 3; ++window) frames += static_cast<int64_t>(g.next_window().size());
  EXPECT_EQ(frames, 1 + 4 * 5);  // 3 windows of stride 2: latent frames [0, 6) committed
}

TEST(WanFamily, StreamChangesPromptThroughATransitionAndEmitsEveryFrameOnce) {
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(prompt_entry(0, "a red circle moving right"));
  auto square = prompt_entry(9, "a white square moving up");
  square.transition_windows = 1;
  const int64_t second = timeline->add(square);
  StreamGenerator g(tiny_wan(), testing::small_wan_stream(), timeline);
  std::vector<std::pair<int64_t, int64_t>> transitions;
  StreamCallbacks callbacks;
  callbacks.on_transition_started = [&](int64_t from, int64_t to) {
    transitions.emplace_back(from, to);
  };
  g.set_callbacks(callbacks);
  std::vector<StreamFrame> frames;
  for (int window = 0; window < 5; ++window)
    for (auto& f : g.next_window()) frames.push_back(std::move(f));
  for (auto& f : g.finish()) frames.push_back(std::move(f));
  ASSERT_EQ(transitions.size(), 1u);
  EXPECT_EQ(transitions[0].second, second);
  // 5 windows of stride 2 plus the last overlap frame: 11 latent frames -> 1 + 4 * 10 frames.
  ASSERT_EQ(frames.size(), 41u);
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].index, static_cast<int64_t>(i));
    EXPECT_EQ(frames[i].rgb.sizes(), (std::vector<int64_t>{32, 48, 3}));
  }
  EXPECT_EQ(frames.front().prompt_id, 1);
  EXPECT_EQ(frames.back().prompt_id, second);
}

}  // namespace
}  // namespace ditstream
