// Full-size random presets carry the real models' configs: their parameter counts match the
// published checkpoints, counted without writing (or initialising) any weight.
#include "core/training/random_model.h"

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

TEST(RandomModel, UnknownPresetIsRefused) {
  EXPECT_THROW(random_model_preset("cogvideox-9b"), std::runtime_error);
}

}  // namespace
}  // namespace ditstream
