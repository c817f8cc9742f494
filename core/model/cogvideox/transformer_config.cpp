#include "core/model/cogvideox/transformer_config.h"

#include <stdexcept>

namespace ditstream {

TransformerConfig TransformerConfig::from_json(const JsonConfig& json) {
  TransformerConfig c;
  c.num_attention_heads = json.get<int64_t>("num_attention_heads", c.num_attention_heads);
  c.attention_head_dim = json.get<int64_t>("attention_head_dim", c.attention_head_dim);
  c.num_layers = json.get<int64_t>("num_layers", c.num_layers);
  c.in_channels = json.get<int64_t>("in_channels", c.in_channels);
  c.out_channels = json.get<int64_t>("out_channels", c.in_channels);
  c.patch_size = json.get<int64_t>("patch_size", c.patch_size);
  c.patch_size_t = optional_int(json, "patch_size_t");
  c.text_embed_dim = json.get<int64_t>("text_embed_dim", c.text_embed_dim);
  c.time_embed_dim = json.get<int64_t>("time_embed_dim", c.time_embed_dim);
  c.max_text_seq_length = json.get<int64_t>("max_text_seq_length", c.max_text_seq_length);
  c.sample_height = json.get<int64_t>("sample_height", c.sample_height);
  c.sample_width = json.get<int64_t>("sample_width", c.sample_width);
  c.sample_frames = json.get<int64_t>("sample_frames", c.sample_frames);
  c.temporal_compression_ratio =
      json.get<int64_t>("temporal_compression_ratio", c.temporal_compression_ratio);
  c.spatial_interpolation_scale =
      json.get<double>("spatial_interpolation_scale", c.spatial_interpolation_scale);
  c.temporal_interpolation_scale =
      json.get<double>("temporal_interpolation_scale", c.temporal_interpolation_scale);
  c.flip_sin_to_cos = json.get<bool>("flip_sin_to_cos", c.flip_sin_to_cos);
  c.freq_shift = json.get<int64_t>("freq_shift", c.freq_shift);
  c.activation_fn = json.get<std::string>("activation_fn", c.activation_fn);
  c.timestep_activation_fn =
      json.get<std::string>("timestep_activation_fn", c.timestep_activation_fn);
  c.attention_bias = json.get<bool>("attention_bias", c.attention_bias);
  c.norm_elementwise_affine = json.get<bool>("norm_elementwise_affine", c.norm_elementwise_affine);
  c.norm_eps = json.get<double>("norm_eps", c.norm_eps);
  c.dropout = json.get<double>("dropout", c.dropout);
  c.use_rotary_positional_embeddings =
      json.get<bool>("use_rotary_positional_embeddings", c.use_rotary_positional_embeddings);
  c.use_learned_positional_embeddings =
      json.get<bool>("use_learned_positional_embeddings", c.use_learned_positional_embeddings);
  c.ofs_embed_dim = optional_int(json, "ofs_embed_dim");
  c.patch_bias = json.get<bool>("patch_bias", c.patch_bias);
  c.validate(json.source);
  return c;
}

nlohmann::json TransformerConfig::to_json() const {
  return {{"_class_name", "CogVideoXTransformer3DModel"},
          {"activation_fn", activation_fn},
          {"attention_bias", attention_bias},
          {"attention_head_dim", attention_head_dim},
          {"dropout", dropout},
          {"flip_sin_to_cos", flip_sin_to_cos},
          {"freq_shift", freq_shift},
          {"in_channels", in_channels},
          {"max_text_seq_length", max_text_seq_length},
          {"norm_elementwise_affine", norm_elementwise_affine},
          {"norm_eps", norm_eps},
          {"num_attention_heads", num_attention_heads},
          {"num_layers", num_layers},
          {"ofs_embed_dim", optional_json(ofs_embed_dim)},
          {"out_channels", out_channels},
          {"patch_bias", patch_bias},
          {"patch_size", patch_size},
          {"patch_size_t", optional_json(patch_size_t)},
          {"sample_frames", sample_frames},
          {"sample_height", sample_height},
          {"sample_width", sample_width},
          {"spatial_interpolation_scale", spatial_interpolation_scale},
          {"temporal_compression_ratio", temporal_compression_ratio},
          {"temporal_interpolation_scale", temporal_interpolation_scale},
          {"text_embed_dim", text_embed_dim},
          {"time_embed_dim", time_embed_dim},
          {"timestep_activation_fn", timestep_activation_fn},
          {"use_learned_positional_embeddings", use_learned_positional_embeddings},
          {"use_rotary_positional_embeddings", use_rotary_positional_embeddings}};
}

void TransformerConfig::validate(const std::string& source) const {
  require_field(!patch_size_t, source, "patch_size_t",
                "is set (CogVideoX 1.5 temporal patching is not supported; it must be null)");
  require_field(
      !ofs_embed_dim, source, "ofs_embed_dim",
      "is set (the ofs embedding of CogVideoX 1.5 I2V is not supported; it must be null)");
  require_field(!use_learned_positional_embeddings, source, "use_learned_positional_embeddings",
                "is true (learned positional embeddings are not supported)");
  require_field(activation_fn == "gelu-approximate", source, "activation_fn",
                "is '" + activation_fn + "' (only 'gelu-approximate' is supported)");
  require_field(timestep_activation_fn == "silu", source, "timestep_activation_fn",
                "is '" + timestep_activation_fn + "' (only 'silu' is supported)");
  require_field(num_attention_heads > 0 && attention_head_dim > 0 && num_layers > 0, source,
                "num_attention_heads/attention_head_dim/num_layers", "must be positive");
  require_field(patch_size > 0, source, "patch_size", "must be positive");
  require_field(temporal_compression_ratio > 0, source, "temporal_compression_ratio",
                "must be positive");
  require_field(inner_dim() % 2 == 0, source, "attention_head_dim",
                "gives an odd inner dim (the timestep sinusoid needs an even width)");
  require_field(use_rotary_positional_embeddings || inner_dim() % 16 == 0, source,
                "attention_head_dim",
                "gives an inner dim not divisible by 16 (the 3D sincos table needs 3*D/8 even)");
  require_field(!use_rotary_positional_embeddings || attention_head_dim % 16 == 0, source,
                "attention_head_dim",
                "must be divisible by 16 for RoPE (t: hd/4, h/w: 3hd/8, even)");
}

}  // namespace ditstream
