#pragma once
// transformer/config.json of diffusers' WanTransformer3DModel, validated for the Wan2.1 T2V path
// (no image embedder, no added K/V projections).

#include "core/io/json_config.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace ditstream {

struct WanTransformerConfig {
  std::array<int64_t, 3> patch_size{1, 2, 2};  // (t, h, w)
  int64_t num_attention_heads = 40;
  int64_t attention_head_dim = 128;
  int64_t in_channels = 16;
  int64_t out_channels = 16;
  int64_t text_dim = 4096;
  int64_t freq_dim = 256;
  int64_t ffn_dim = 13824;
  int64_t num_layers = 40;
  bool cross_attn_norm = true;
  std::string qk_norm = "rms_norm_across_heads";
  double eps = 1e-6;
  std::optional<int64_t> image_dim;          // must stay empty (I2V)
  std::optional<int64_t> added_kv_proj_dim;  // must stay empty (I2V)
  std::optional<int64_t> pos_embed_seq_len;  // must stay empty (FLF2V image positions)
  int64_t rope_max_seq_len = 1024;

  // Throws naming `json.source` and the field when the config is outside what the port supports.
  static WanTransformerConfig from_json(const JsonConfig& json);
  nlohmann::json to_json() const;
  void validate(const std::string& source) const;

  int64_t inner_dim() const { return num_attention_heads * attention_head_dim; }
  int64_t patch_volume() const { return patch_size[0] * patch_size[1] * patch_size[2]; }
};

}  // namespace ditstream
