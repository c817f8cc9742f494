#pragma once
// transformer/config.json of CogVideoXTransformer3DModel (diffusers keys), validated for the
// CogVideoX 1.0 path (Conv2d patchifier, sincos or RoPE positions, no ofs embedding).

#include "core/io/json_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace ditstream {

struct TransformerConfig {
  int64_t num_attention_heads = 30;
  int64_t attention_head_dim = 64;
  int64_t num_layers = 30;
  int64_t in_channels = 16;
  int64_t out_channels = 16;
  int64_t patch_size = 2;
  std::optional<int64_t> patch_size_t;  // must stay empty (CogVideoX 1.5 is not supported)
  int64_t text_embed_dim = 4096;
  int64_t time_embed_dim = 512;
  int64_t max_text_seq_length = 226;
  int64_t sample_height = 60;  // latent rows
  int64_t sample_width = 90;   // latent columns
  int64_t sample_frames = 49;  // pixel frames (see latent_frames())
  int64_t temporal_compression_ratio = 4;
  double spatial_interpolation_scale = 1.875;
  double temporal_interpolation_scale = 1.0;
  bool flip_sin_to_cos = true;
  int64_t freq_shift = 0;
  std::string activation_fn = "gelu-approximate";
  std::string timestep_activation_fn = "silu";
  bool attention_bias = true;
  bool norm_elementwise_affine = true;
  double norm_eps = 1e-5;
  double dropout = 0.0;
  bool use_rotary_positional_embeddings = false;
  bool use_learned_positional_embeddings = false;
  std::optional<int64_t> ofs_embed_dim;  // must stay empty
  bool patch_bias = true;

  // Throws naming `json.source` and the field when the config is outside what the port supports.
  static TransformerConfig from_json(const JsonConfig& json);
  nlohmann::json to_json() const;
  void validate(const std::string& source) const;

  int64_t inner_dim() const { return num_attention_heads * attention_head_dim; }
  int64_t latent_frames() const { return (sample_frames - 1) / temporal_compression_ratio + 1; }
  int64_t tokens_per_frame() const {
    return (sample_height / patch_size) * (sample_width / patch_size);
  }
};

}  // namespace ditstream
