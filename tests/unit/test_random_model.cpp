// Full-size random presets carry the real models' configs: their parameter counts match the
// published checkpoints, counted without writing (or initialising) any weight.
#include "core/training/random_model.h"
#include "core/training/random_wan_model.h"

#include <gtest/gtest.h>

namespace ditstream {
namespace {

// T5-XXL's encoder: tied token embedding, per layer attention (4 d·d), gated FF (3 d·d_ff) and
// two norms, one relative-position table, the final norm.
int64_t t5_xxl_encoder_parameters(int64_t layers) {
  const int64_t d = 4096, ff = 10240, vocab = 32128;
  return vocab * d + layers * (4 * d * d + 3 * d * ff + 2 * d) + 32 * 64 + d;
}

TEST(RandomModel, CogVideoX2BHasTheRealParameterCounts) {
  auto spec = random_model_preset("cogvideox-2b");
  const auto n = random_model_parameters(spec, spec.text_vocab_size);
  EXPECT_EQ(n.transformer, 1693783872);  // reference/cogvideox-2b/cogvideox2b_transformer_keys.txt
  EXPECT_EQ(n.vae, 215583907);           // reference/cogvideox-spec.md §3 (encoder included)
  EXPECT_EQ(n.text_encoder, t5_xxl_encoder_parameters(24));
  spec.text.num_layers = 2;
  EXPECT_EQ(random_model_parameters(spec, spec.text_vocab_size).text_encoder,
            t5_xxl_encoder_parameters(2));
}

TEST(RandomModel, CogVideoX5BIsLargerAndUsesRope) {
  const auto spec = random_model_preset("cogvideox-5b");
  EXPECT_TRUE(spec.transformer.rotary);
  EXPECT_EQ(spec.snr_shift_scale, 1.0);
  const auto n = random_model_parameters(spec, spec.text_vocab_size);
  EXPECT_GT(n.transformer, 5'000'000'000);
  EXPECT_LT(n.transformer, 6'000'000'000);
}

// Wan2.1-T2V's diffusers transformers (1.3B: wan-causal-streaming §1.1; 14B: the same formula,
// D 5120, FFN 13824, 40 layers) and UMT5-XXL's encoder (a 256384-id embedding, 24 layers, a
// relative-position table in every one).
TEST(RandomModel, Wan21PresetsHaveTheRealParameterCounts) {
  const auto small = wan_random_preset("wan2.1-1.3b");
  const auto n = wan_random_parameters(small, small.text_vocab_size);
  EXPECT_EQ(n.transformer, 1418996800);
  EXPECT_EQ(n.text_encoder, 5680910336);
  const auto large = wan_random_preset("wan2.1-14b");
  EXPECT_EQ(wan_random_parameters(large, large.text_vocab_size).transformer, 14288491584);
  EXPECT_TRUE(is_wan_preset("tiny-wan"));
  EXPECT_THROW(wan_random_preset("wan2.2-5b"), std::runtime_error);
}

TEST(RandomModel, UnknownPresetIsRefused) {
  EXPECT_THROW(random_model_preset("cogvideox-9b"), std::runtime_error);
}

}  // namespace
}  // namespace ditstream
