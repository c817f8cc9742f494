#include "core/model/wan/transformer_config.h"

#include <stdexcept>
#include <vector>

namespace ditstream {
namespace {

std::array<int64_t, 3> patch_triple(const JsonConfig& json,
                                    const std::array<int64_t, 3>& fallback) {
  if (!json.has("patch_size")) return fallback;
  const auto values = json.get<std::vector<int64_t>>("patch_size");
  require_field(values.size() == 3, json.source, "patch_size", "must list 3 sizes (t, h, w)");
  return {values[0], values[1], values[2]};
}

// diffusers ignores qk_norm and always builds RMSNorm over all heads; a null or other value means
// the checkpoint came from somewhere else, so it is rejected rather than silently reinterpreted.
std::string qk_norm_name(const JsonConfig& json, const std::string& fallback) {
  if (!json.json.contains("qk_norm")) return fallback;
  const auto& value = json.json.at("qk_norm");
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

WanTransformerConfig WanTransformerConfig::from_json(const JsonConfig& json) {
  WanTransformerConfig c;
  c.patch_size = patch_triple(json, c.patch_size);
  c.num_attention_heads = json.get<int64_t>("num_attention_heads", c.num_attention_heads);
  c.attention_head_dim = json.get<int64_t>("attention_head_dim", c.attention_head_dim);
  c.in_channels = json.get<int64_t>("in_channels", c.in_channels);
  c.out_channels = json.get<int64_t>("out_channels", c.in_channels);  // null: in_channels
  c.text_dim = json.get<int64_t>("text_dim", c.text_dim);
  c.freq_dim = json.get<int64_t>("freq_dim", c.freq_dim);
  c.ffn_dim = json.get<int64_t>("ffn_dim", c.ffn_dim);
  c.num_layers = json.get<int64_t>("num_layers", c.num_layers);
  c.cross_attn_norm = json.get<bool>("cross_attn_norm", c.cross_attn_norm);
  c.qk_norm = qk_norm_name(json, c.qk_norm);
  c.eps = json.get<double>("eps", c.eps);
  c.image_dim = optional_int(json, "image_dim");
  c.added_kv_proj_dim = optional_int(json, "added_kv_proj_dim");
  c.pos_embed_seq_len = optional_int(json, "pos_embed_seq_len");
  c.rope_max_seq_len = json.get<int64_t>("rope_max_seq_len", c.rope_max_seq_len);
  c.validate(json.source);
  return c;
}

nlohmann::json WanTransformerConfig::to_json() const {
  return {{"_class_name", "WanTransformer3DModel"},
          {"added_kv_proj_dim", optional_json(added_kv_proj_dim)},
          {"attention_head_dim", attention_head_dim},
          {"cross_attn_norm", cross_attn_norm},
          {"eps", eps},
          {"ffn_dim", ffn_dim},
          {"freq_dim", freq_dim},
          {"image_dim", optional_json(image_dim)},
          {"in_channels", in_channels},
          {"num_attention_heads", num_attention_heads},
          {"num_layers", num_layers},
          {"out_channels", out_channels},
          {"patch_size", patch_size},
          {"pos_embed_seq_len", optional_json(pos_embed_seq_len)},
          {"qk_norm", qk_norm},
          {"rope_max_seq_len", rope_max_seq_len},
          {"text_dim", text_dim}};
}

void WanTransformerConfig::validate(const std::string& source) const {
  require_field(!image_dim, source, "image_dim",
                "is set (the I2V image embedder is not supported; it must be null)");
  require_field(!added_kv_proj_dim, source, "added_kv_proj_dim",
                "is set (I2V image cross-attention is not supported; it must be null)");
  require_field(!pos_embed_seq_len, source, "pos_embed_seq_len",
                "is set (the FLF2V image position embedding is not supported; it must be null)");
  require_field(qk_norm == "rms_norm_across_heads", source, "qk_norm",
                "is '" + qk_norm + "' (only 'rms_norm_across_heads' is supported)");
  require_field(num_attention_heads > 0 && attention_head_dim > 0 && num_layers > 0, source,
                "num_attention_heads/attention_head_dim/num_layers", "must be positive");
  require_field(patch_size[0] > 0 && patch_size[1] > 0 && patch_size[2] > 0, source, "patch_size",
                "must be positive");
  require_field(in_channels > 0 && out_channels > 0 && text_dim > 0 && ffn_dim > 0, source,
                "in_channels/out_channels/text_dim/ffn_dim", "must be positive");
  require_field(freq_dim > 0 && freq_dim % 2 == 0, source, "freq_dim",
                "must be positive and even (cos and sin halves)");
  require_field(attention_head_dim % 2 == 0 && attention_head_dim >= 6, source,
                "attention_head_dim",
                "must be even and at least 6 (RoPE rotates pairs split over t, h and w)");
  require_field(rope_max_seq_len > 0, source, "rope_max_seq_len", "must be positive");
}

}  // namespace ditstream
