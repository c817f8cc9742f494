// DiTCtrl KV-sharing, mask-guided fusion and subject tokens: direct attend calls against dense
// references, and pair forwards of the build's tiny model (2 layers, 226 text + 3×24 video tokens).
#include "core/control/kv_sharing.h"
#include "core/control/mask_guided.h"
#include "core/control/subject_attention.h"
#include "core/control/subject_tokens.h"
#include "core/model/cogvideox/transformer.h"
#include "core/text/t5_tokenizer.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>

namespace ditstream {
namespace {

using Roles = std::vector<BatchRole>;
const Roles kCfgRoles = {BatchRole::Uncond, BatchRole::Uncond, BatchRole::Cond, BatchRole::Cond};
constexpr int64_t kFrames = 3, kTokensPerFrame = 24;  // tiny latent 8×12, patch 2

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// ---------------------------------------------------------------------------------------------
// Gate and layout

TEST(KvSharingGate, DefaultsScaleWithDepthAndSteps) {
  const auto ref = KvSharingGate::defaults_for(30, 50);
  EXPECT_EQ(std::vector<int64_t>({ref.step_start, ref.step_end, ref.layer_start, ref.layer_end}),
            std::vector<int64_t>({2, 25, 25, 30}));
  EXPECT_EQ(ref.size(), 23 * 5);
  const auto two = KvSharingGate::defaults_for(2, 50);
  EXPECT_EQ(two.layer_start, 1);
  EXPECT_EQ(two.layer_end, 2);
  const auto three = KvSharingGate::defaults_for(3, 50);
  EXPECT_EQ(three.layer_start, 2);
  EXPECT_EQ(three.layer_end, 3);
  const auto ten = KvSharingGate::defaults_for(30, 10);
  EXPECT_EQ(ten.step_start, 1);
  EXPECT_EQ(ten.step_end, 5);
  const auto four = KvSharingGate::defaults_for(2, 4);
  EXPECT_EQ(four.step_start, 1);
  EXPECT_EQ(four.step_end, 2);
  EXPECT_TRUE(KvSharingGate::defaults_for(1, 1).empty());
  EXPECT_EQ(KvSharingGate::defaults_for(1, 50).layer_start, 0);
  EXPECT_THROW(KvSharingGate::defaults_for(0, 50), std::runtime_error);
}

TEST(KvSharingLayout, ValidatesRowsAndRoles) {
  EXPECT_NO_THROW(KvSharingLayout::cfg_pair().validate(4, &kCfgRoles));
  EXPECT_NO_THROW(KvSharingLayout::plain_pair().validate(2, nullptr));
  EXPECT_THROW(KvSharingLayout::cfg_pair().validate(2, nullptr), std::runtime_error);
  const Roles mixed = {BatchRole::Uncond, BatchRole::Cond, BatchRole::Uncond, BatchRole::Cond};
  EXPECT_THROW(KvSharingLayout::cfg_pair().validate(4, &mixed), std::runtime_error);
  const KvSharingLayout chain{{KvSharePair{0, 1, 0, 1}, KvSharePair{1, 2, 1, 2}}};
  EXPECT_THROW(chain.validate(3, nullptr), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Direct attend calls on random tensors

struct Qkv {
  torch::Tensor q, k, v;
};

Qkv random_qkv(int64_t batch, int64_t seq, uint64_t seed, int64_t heads = 2, int64_t hd = 8) {
  torch::manual_seed(seed);
  return {torch::randn({batch, heads, seq, hd}), torch::randn({batch, heads, seq, hd}),
          torch::randn({batch, heads, seq, hd})};
}

TEST(KvSharingControl, SharesExactlyTheGatedCallsOfA30LayerModel) {
  KvSharingControl control(KvSharingGate::defaults_for(30, 50), KvSharingLayout::cfg_pair());
  const auto x = random_qkv(4, 12, 1);
  for (int64_t step = 0; step < 50; ++step)
    for (int64_t layer = 0; layer < 30; ++layer)
      control.attend({step, layer, 4, &kCfgRoles}, x.q, x.k, x.v, full_attention);
  EXPECT_EQ(control.calls(), 1500);
  ASSERT_EQ(control.shared_calls().size(), 115u);
  EXPECT_EQ(control.shared_calls().front(), (SharedCall{2, 25}));
  EXPECT_EQ(control.shared_calls().back(), (SharedCall{24, 29}));
}

TEST(KvSharingControl, TargetRowsReadTheirSourceRowsKeysAndValues) {
  KvSharingControl control({0, 1, 0, 1}, KvSharingLayout::cfg_pair());
  const auto x = random_qkv(4, 12, 2);
  const auto out = control.attend({0, 0, 4, &kCfgRoles}, x.q, x.k, x.v, full_attention);
  const auto plain = full_attention(x.q, x.k, x.v);
  EXPECT_TRUE(torch::equal(out[0], plain[0]));
  EXPECT_TRUE(torch::equal(out[2], plain[2]));
  for (const auto& [tgt, src] : {std::pair<int64_t, int64_t>{1, 0}, {3, 2}}) {
    const auto expected = full_attention(x.q.slice(0, tgt, tgt + 1), x.k.slice(0, src, src + 1),
                                         x.v.slice(0, src, src + 1))[0];
    EXPECT_LT(max_abs_diff(out[tgt], expected), 1e-6) << "target row " << tgt;
    EXPECT_GT(max_abs_diff(out[tgt], plain[tgt]), 1e-3) << "target row " << tgt;
  }
}

// ---------------------------------------------------------------------------------------------
// Subject attention maps and masks

// Dense reference: head-mean softmax(q kᵀ/sqrt(hd)) rows of the video queries, summed over tokens.
torch::Tensor dense_mass(const torch::Tensor& q, const torch::Tensor& k, int64_t text_len,
                         const std::vector<int64_t>& tokens) {
  const auto p = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(q.size(-1)), -1);
  return p.mean(0).slice(0, text_len).index_select(1, torch::tensor(tokens)).sum(1);
}

// Dense reference of the per-frame min-max masks (no empty-frame fallback).
torch::Tensor dense_masks(const torch::Tensor& map, double threshold) {
  const auto m = map.reshape({kFrames, -1});
  const auto lo = std::get<0>(m.min(1, true)), hi = std::get<0>(m.max(1, true));
  return (m - lo) / (hi - lo + 1e-6) >= threshold;
}

TEST(SubjectAttention, MassMatchesDenseSoftmaxInSmallChunks) {
  const auto x = random_qkv(1, 5 + kFrames * kTokensPerFrame, 3);
  const std::vector<int64_t> tokens = {1, 3};
  const auto expected = dense_mass(x.q[0], x.k[0], 5, tokens);
  for (const int64_t budget : {int64_t{1}, int64_t{2} * 77 * 7, int64_t{1} << 24}) {
    const auto mass = subject_attention_mass(x.q[0], x.k[0], 5, tokens, budget);
    ASSERT_EQ(mass.sizes(), expected.sizes());
    EXPECT_LT(max_abs_diff(mass, expected), 1e-6) << "budget " << budget;
  }
  EXPECT_THROW(subject_attention_mass(x.q[0], x.k[0], 5, {5}), std::runtime_error);
}

// Cross-attention form (Wan's attn2): video queries against the text keys only.
TEST(SubjectAttention, CrossAttentionMassMatchesDenseSoftmax) {
  torch::manual_seed(3);
  const auto q = torch::randn({2, kFrames * kTokensPerFrame, 8});
  const auto k = torch::randn({2, 7, 8});
  const std::vector<int64_t> tokens = {1, 3};
  const auto all = torch::cat({torch::zeros({2, 7, 8}), q}, 1);  // dense_mass's [text ; video]
  const auto expected = dense_mass(all, k, 7, tokens);
  for (const int64_t budget : {int64_t{1}, int64_t{1} << 24})
    EXPECT_LT(max_abs_diff(cross_attention_subject_mass(q, k, tokens, budget), expected), 1e-6);
  EXPECT_THROW(cross_attention_subject_mass(q, k, {7}), std::runtime_error);
}

// Plain sharing leaves cross-attention alone: each row keeps its own text K/V.
TEST(KvSharingControl, CrossAttentionSitesAreNotShared) {
  torch::manual_seed(4);
  const auto q = torch::randn({2, 2, 6, 8}), k = torch::randn({2, 2, 5, 8});
  const auto v = torch::randn({2, 2, 5, 8});
  KvSharingControl control({0, 1, 0, 1}, KvSharingLayout::plain_pair());
  AttentionSite site;
  site.kind = AttentionKind::Cross;
  const auto out = control.attend(site, q, k, v, ditstream::full_attention);
  EXPECT_TRUE(torch::equal(out, ditstream::full_attention(q, k, v)));
  EXPECT_EQ(control.calls(), 0);
}

TEST(SubjectAttention, FrameMasksAreMinMaxThresholdedAndNeverEmpty) {
  auto map = torch::zeros({kFrames * kTokensPerFrame});
  map.slice(0, 0, kTokensPerFrame).copy_(torch::linspace(0, 1, kTokensPerFrame));
  map[kTokensPerFrame + 5] = 2.0;  // frame 1: a single peak
  // frame 2 stays constant: min-max gives all zeros, the fallback makes it all foreground
  const auto masks = binary_frame_masks(map, kTokensPerFrame, 0.3);
  ASSERT_EQ(masks.sizes(), (std::vector<int64_t>{kFrames, kTokensPerFrame}));
  EXPECT_TRUE(torch::equal(masks[0], dense_masks(map, 0.3)[0]));
  EXPECT_EQ(masks[0].sum().item<int64_t>(), 17);  // i/23 >= 0.3 for i >= 7
  EXPECT_EQ(masks[1].sum().item<int64_t>(), 1);
  EXPECT_TRUE(masks[1][5].item<bool>());
  EXPECT_TRUE(masks[2].all().item<bool>());
  EXPECT_TRUE(binary_frame_masks(map, kTokensPerFrame, 2.0).all().item<bool>());
  EXPECT_THROW(binary_frame_masks(map, 7, 0.3), std::runtime_error);
}

MaskGuidedOptions mask_options(double threshold) {
  MaskGuidedOptions o;
  o.source_tokens = {0, 2};
  o.target_tokens = {1};
  o.tokens_per_frame = kTokensPerFrame;
  o.threshold = threshold;
  return o;
}

// Spec §5.4 with dense (S×S) biases: target queries over source K/V.
torch::Tensor dense_fused(const Qkv& x, int64_t src, int64_t tgt, int64_t text_len,
                          const torch::Tensor& ms, const torch::Tensor& mt) {
  const int64_t seq = x.q.size(2);
  const auto text = torch::arange(seq) < text_len;
  const auto key_ms = torch::cat({torch::ones({text_len}, torch::kBool), ms.flatten()});
  const auto allowed = [&](const torch::Tensor& keys) {
    return text.unsqueeze(1).logical_or(text.unsqueeze(0)).logical_or(keys.unsqueeze(0));
  };
  const auto attend = [&](const torch::Tensor& ok) {
    const auto bias = torch::zeros({seq, seq}).masked_fill(ok.logical_not(), -1e30);
    const auto s = torch::matmul(x.q[tgt], x.k[src].transpose(-2, -1)) / std::sqrt(x.q.size(-1));
    return torch::matmul(torch::softmax(s + bias, -1), x.v[src]);
  };
  const auto o_fg = attend(allowed(key_ms));
  const auto o_bg = attend(allowed(key_ms.logical_not().logical_or(text)));
  const auto m =
      torch::cat({torch::zeros({text_len}), mt.flatten().to(torch::kFloat)}).view({1, seq, 1});
  return m * o_fg + (1 - m) * o_bg;
}

TEST(MaskGuidedControl, FusionMatchesDenseBiasesWithLayerMeanMasks) {
  const int64_t text_len = 5, seq = text_len + kFrames * kTokensPerFrame;
  MaskGuidedKvSharingControl control({0, 1, 1, 2}, KvSharingLayout::plain_pair(),
                                     mask_options(0.3));
  const auto l0 = random_qkv(2, seq, 4), l1 = random_qkv(2, seq, 5);
  const auto out0 = control.attend({0, 0, text_len, nullptr}, l0.q, l0.k, l0.v, full_attention);
  EXPECT_TRUE(torch::equal(out0, full_attention(l0.q, l0.k, l0.v)));
  const auto out1 = control.attend({0, 1, text_len, nullptr}, l1.q, l1.k, l1.v, full_attention);
  ASSERT_EQ(control.shared_calls(), (std::vector<SharedCall>{{0, 1}}));
  const auto mean_map = [&](int64_t row, const std::vector<int64_t>& tokens) {
    return (dense_mass(l0.q[row], l0.k[row], text_len, tokens) +
            dense_mass(l1.q[row], l1.k[row], text_len, tokens)) /
           2;
  };
  const auto ms = dense_masks(mean_map(0, {0, 2}), 0.3);
  const auto mt = dense_masks(mean_map(1, {1}), 0.3);
  ASSERT_EQ(control.last_masks().size(), 1u);
  EXPECT_TRUE(torch::equal(control.last_masks()[0].source, ms));
  EXPECT_TRUE(torch::equal(control.last_masks()[0].target, mt));
  EXPECT_FALSE(ms.all().item<bool>());
  EXPECT_FALSE(mt.all().item<bool>());
  const auto expected = dense_fused(l1, 0, 1, text_len, ms, mt);
  std::cout << "mask-guided vs dense biases: max abs " << max_abs_diff(out1[1], expected) << "\n";
  EXPECT_LT(max_abs_diff(out1[1], expected), 1e-5);
  EXPECT_LT(max_abs_diff(out1[0], full_attention(l1.q, l1.k, l1.v)[0]), 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Pair forwards of the tiny model

class TinyPair : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = load_transformer(testing::tiny_model_dir() / "transformer",
                              torch::TensorOptions(torch::kFloat));
  }
  static void TearDownTestSuite() { model_.reset(); }

  void SetUp() override {
    torch::manual_seed(11);
    xs_ = torch::randn({1, kFrames, 16, 8, 12});
    xt_ = torch::randn({1, kFrames, 16, 8, 12});
    cs_ = torch::randn({1, 226, 32});
    ct_ = torch::randn({1, 226, 32});
  }

  // Batch [u_src, u_tgt, c_src, c_tgt] with zero uncond embeddings.
  torch::Tensor forward(AttentionControl* control, int64_t step = 0) const {
    torch::NoGradGuard no_grad;
    const auto zeros = torch::zeros_like(cs_);
    AttentionContext ctx{control, step, kCfgRoles};
    return model_->forward(torch::cat({xs_, xt_, xs_, xt_}), torch::cat({zeros, zeros, cs_, ct_}),
                           torch::full({4}, 500, torch::kLong), ctx);
  }

  static inline std::shared_ptr<CogVideoXTransformer3DModel> model_;
  torch::Tensor xs_, xt_, cs_, ct_;
};

TEST_F(TinyPair, EmptyGateIsBitIdenticalToPlainForward) {
  KvSharingControl control({}, KvSharingLayout::cfg_pair());
  EXPECT_TRUE(torch::equal(forward(&control), forward(nullptr)));
  EXPECT_EQ(control.calls(), 2);
  EXPECT_TRUE(control.shared_calls().empty());
}

TEST_F(TinyPair, OnlyGatedCallsShareAndOnlyTargetRowsChange) {
  const auto gate = KvSharingGate::defaults_for(model_->config().num_layers, 10);
  KvSharingControl control(gate, KvSharingLayout::cfg_pair());
  for (int64_t step = 0; step < 10; ++step) {
    const auto shared = forward(&control, step), plain = forward(nullptr, step);
    EXPECT_TRUE(torch::equal(shared[0], plain[0])) << "step " << step;
    EXPECT_TRUE(torch::equal(shared[2], plain[2])) << "step " << step;
    const bool gated = gate.has_step(step);
    EXPECT_EQ(!torch::equal(shared[1], plain[1]), gated) << "step " << step;
    EXPECT_EQ(!torch::equal(shared[3], plain[3]), gated) << "step " << step;
  }
  EXPECT_EQ(control.shared_calls(), (std::vector<SharedCall>{{1, 1}, {2, 1}, {3, 1}, {4, 1}}));
  EXPECT_EQ(control.calls(), 20);
}

TEST_F(TinyPair, IdenticalSourceAndTargetMakeSharingANoOp) {
  xt_ = xs_;
  ct_ = cs_;
  KvSharingControl control({0, 1, 0, 2}, KvSharingLayout::cfg_pair());
  EXPECT_TRUE(torch::equal(forward(&control), forward(nullptr)));
  EXPECT_EQ(control.shared_calls().size(), 2u);
}

TEST_F(TinyPair, PairWithoutGuidanceSharesIntoTheSecondRow) {
  torch::NoGradGuard no_grad;
  KvSharingControl control({0, 1, 0, 2}, KvSharingLayout::plain_pair());
  const Roles roles = {BatchRole::Cond, BatchRole::Cond};
  const auto run = [&](AttentionControl* c) {
    return model_->forward(torch::cat({xs_, xt_}), torch::cat({cs_, ct_}),
                           torch::full({2}, 500, torch::kLong), AttentionContext{c, 0, roles});
  };
  const auto shared = run(&control), plain = run(nullptr);
  EXPECT_TRUE(torch::equal(shared[0], plain[0]));
  EXPECT_GT(max_abs_diff(shared[1], plain[1]), 1e-4);
  // The CFG pair's cond target sees the same K/V as this pair's target.
  KvSharingControl cfg({0, 1, 0, 2}, KvSharingLayout::cfg_pair());
  EXPECT_LT(max_abs_diff(forward(&cfg)[3], shared[1]), 1e-5);
}

TEST_F(TinyPair, MaskGuidedWithAllOnesMasksEqualsPlainSharing) {
  const KvSharingGate gate{0, 1, 0, 2};
  KvSharingControl plain_sharing(gate, KvSharingLayout::cfg_pair());
  MaskGuidedKvSharingControl all_ones(gate, KvSharingLayout::cfg_pair(), mask_options(0.0));
  const auto expected = forward(&plain_sharing), fused = forward(&all_ones);
  ASSERT_EQ(all_ones.last_masks().size(), 2u);
  EXPECT_TRUE(all_ones.last_masks()[0].source.all().item<bool>());
  EXPECT_TRUE(all_ones.last_masks()[1].target.all().item<bool>());
  std::cout << "all-ones mask-guided vs plain KV-sharing: max abs " << max_abs_diff(fused, expected)
            << " (output max " << expected.abs().max().item<double>() << ")\n";
  EXPECT_LT(max_abs_diff(fused, expected), 1e-5);
  EXPECT_EQ(all_ones.shared_calls(), plain_sharing.shared_calls());
}

TEST_F(TinyPair, MaskGuidedMasksAreNonEmptyPerFrameAndOnlyTargetsChange) {
  const KvSharingGate gate{0, 1, 1, 2};
  KvSharingControl plain_sharing(gate, KvSharingLayout::cfg_pair());
  MaskGuidedKvSharingControl masked(gate, KvSharingLayout::cfg_pair(), mask_options(0.3));
  const auto expected = forward(&plain_sharing), fused = forward(&masked);
  ASSERT_EQ(masked.last_masks().size(), 2u);
  for (const auto& m : masked.last_masks()) {
    for (const auto& mask : {m.source, m.target}) {
      ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{kFrames, kTokensPerFrame}));
      EXPECT_TRUE(mask.any(1).all().item<bool>());
    }
  }
  // Both target rows of the CFG pair use the cond rows' masks.
  EXPECT_TRUE(torch::equal(masked.last_masks()[0].source, masked.last_masks()[1].source));
  EXPECT_FALSE(masked.last_masks()[1].source.all().item<bool>());
  EXPECT_LT(max_abs_diff(fused[0], expected[0]), 1e-6);
  EXPECT_LT(max_abs_diff(fused[2], expected[2]), 1e-6);
  EXPECT_GT(max_abs_diff(fused[3], expected[3]), 1e-4);
}

TEST_F(TinyPair, ReportsTheCostOfASharedPairForward) {
  KvSharingControl shared({0, 1, 0, 2}, KvSharingLayout::cfg_pair());
  MaskGuidedKvSharingControl masked({0, 1, 0, 2}, KvSharingLayout::cfg_pair(), mask_options(0.3));
  const auto time = [&](AttentionControl* c) {
    forward(c);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) forward(c);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
               .count() /
           20;
  };
  const double plain_ms = time(nullptr), shared_ms = time(&shared), masked_ms = time(&masked);
  std::cout << "tiny pair forward (batch 4, 298 tokens): plain " << plain_ms << " ms, KV-shared "
            << shared_ms << " ms, mask-guided " << masked_ms << " ms\n";
  EXPECT_EQ(shared.shared_calls().size(), 2u * 21);
  EXPECT_EQ(masked.shared_calls().size(), 2u * 21);
}

// ---------------------------------------------------------------------------------------------
// Subject tokens

const char* const kKnightSource =
    "A dark knight rests motionless atop a majestic black horse in the middle of a vast grassland.";
const char* const kKnightTarget =
    "A dark knight guides the majestic black horse at a steady gallop across a snow-covered field.";

TEST(SubjectTokens, ContentWordsAndTheSharedRule) {
  EXPECT_EQ(shared_content_words(kKnightSource, kKnightTarget),
            (std::vector<std::string>{"dark", "knight", "majestic", "black", "horse"}));
  EXPECT_EQ(content_words("The cat sat on the mat with a hat."),
            (std::vector<std::string>{"cat", "sat", "mat", "hat"}));
  EXPECT_TRUE(shared_content_words("a red car", "the blue sky").empty());
  EXPECT_EQ(shared_content_words("A Horse runs", "the horse sleeps"),
            (std::vector<std::string>{"Horse"}));
  EXPECT_EQ(checked_token_indices({4, 0, 4}), (std::vector<int64_t>{0, 4}));
  EXPECT_THROW(checked_token_indices({226}), std::runtime_error);
  EXPECT_THROW(checked_token_indices({}), std::runtime_error);
}

TEST(SubjectTokens, WordsMapToT5PiecePositions) {
  const auto spiece = testing::shared_dir() / "data" / "t5-tokenizer" / "spiece.model";
  DITSTREAM_REQUIRE_PATH(spiece);
  const T5Tokenizer tokenizer(spiece);
  // dark_knight.yaml uses ref/cur token indices [0, 1, 2] for "A dark knight".
  EXPECT_EQ(subject_token_indices(tokenizer, kKnightSource, {"A", "dark", "knight"}),
            (std::vector<int64_t>{0, 1, 2}));
  const auto ids = tokenizer.encode_for_t5(kKnightTarget);
  const auto snow = subject_token_indices(tokenizer, kKnightTarget, {"snow-covered"});
  ASSERT_GT(snow.size(), 1u);  // several pieces, all of them, consecutive
  EXPECT_EQ(snow.back() - snow.front() + 1, static_cast<int64_t>(snow.size()));
  EXPECT_EQ(tokenizer.encode("snow-covered"),
            std::vector<int64_t>(ids.begin() + snow.front(), ids.begin() + snow.back() + 1));
  EXPECT_THROW(subject_token_indices(tokenizer, kKnightSource, {"zebra"}), std::runtime_error);

  const auto automatic = auto_subject_tokens(tokenizer, kKnightSource, kKnightTarget);
  EXPECT_EQ(automatic.source,
            subject_token_indices(tokenizer, kKnightSource,
                                  {"dark", "knight", "majestic", "black", "horse"}));
  EXPECT_EQ(automatic.target,
            subject_token_indices(tokenizer, kKnightTarget,
                                  {"dark", "knight", "majestic", "black", "horse"}));
  EXPECT_EQ(automatic.source.front(), 1);
  const auto fallback = auto_subject_tokens(tokenizer, "a red car", "the blue sky");
  EXPECT_EQ(fallback.source, subject_token_indices(tokenizer, "a red car", {"car"}));
  EXPECT_EQ(fallback.target, subject_token_indices(tokenizer, "the blue sky", {"sky"}));
}

}  // namespace
}  // namespace ditstream
