#include "core/model/cogvideox/vae_config.h"

#include <stdexcept>

namespace ditstream {
namespace {

constexpr const char* kClassName = "AutoencoderKLCogVideoX";

void require(bool ok, const std::string& source, const std::string& what) {
  if (!ok) throw std::runtime_error(source + ": " + what);
}

void reject_non_null(const JsonConfig& json, const std::string& key) {
  if (!json.has(key)) return;
  throw std::runtime_error(json.source + ": field '" + key + "' is set (" +
                           json.json.at(key).dump() + "); only null is supported");
}

void reject_true(const JsonConfig& json, const std::string& key) {
  require(!json.get<bool>(key, false), json.source,
          "field '" + key + "' is true; quant/post-quant convs are not supported");
}

void check_class_name(const JsonConfig& json) {
  const auto name = json.get<std::string>("_class_name", kClassName);
  require(name == kClassName, json.source,
          "'_class_name' is '" + name + "', expected '" + kClassName + "'");
}

}  // namespace

VaeConfig VaeConfig::from_json(const JsonConfig& json) {
  check_class_name(json);
  reject_non_null(json, "shift_factor");
  reject_non_null(json, "latents_mean");
  reject_non_null(json, "latents_std");
  reject_true(json, "use_quant_conv");
  reject_true(json, "use_post_quant_conv");
  VaeConfig c;
  c.in_channels = json.get<int64_t>("in_channels", c.in_channels);
  c.out_channels = json.get<int64_t>("out_channels", c.out_channels);
  c.latent_channels = json.get<int64_t>("latent_channels", c.latent_channels);
  c.block_out_channels = json.get<std::vector<int64_t>>("block_out_channels", c.block_out_channels);
  c.down_block_types = json.get<std::vector<std::string>>("down_block_types", c.down_block_types);
  c.up_block_types = json.get<std::vector<std::string>>("up_block_types", c.up_block_types);
  c.layers_per_block = json.get<int64_t>("layers_per_block", c.layers_per_block);
  c.act_fn = json.get<std::string>("act_fn", c.act_fn);
  c.norm_num_groups = json.get<int64_t>("norm_num_groups", c.norm_num_groups);
  c.norm_eps = json.get<double>("norm_eps", c.norm_eps);
  c.temporal_compression_ratio =
      json.get<int64_t>("temporal_compression_ratio", c.temporal_compression_ratio);
  c.sample_height = json.get<int64_t>("sample_height", c.sample_height);
  c.sample_width = json.get<int64_t>("sample_width", c.sample_width);
  c.scaling_factor = json.get<double>("scaling_factor", c.scaling_factor);
  c.force_upcast = json.get<bool>("force_upcast", c.force_upcast);
  c.invert_scale_latents = json.get<bool>("invert_scale_latents", c.invert_scale_latents);
  c.validate(json.source);
  return c;
}

nlohmann::json VaeConfig::to_json() const {
  return {{"_class_name", kClassName},
          {"act_fn", act_fn},
          {"block_out_channels", block_out_channels},
          {"down_block_types", down_block_types},
          {"force_upcast", force_upcast},
          {"in_channels", in_channels},
          {"invert_scale_latents", invert_scale_latents},
          {"latent_channels", latent_channels},
          {"latents_mean", nullptr},
          {"latents_std", nullptr},
          {"layers_per_block", layers_per_block},
          {"norm_eps", norm_eps},
          {"norm_num_groups", norm_num_groups},
          {"out_channels", out_channels},
          {"sample_height", sample_height},
          {"sample_width", sample_width},
          {"scaling_factor", scaling_factor},
          {"shift_factor", nullptr},
          {"temporal_compression_ratio", temporal_compression_ratio},
          {"up_block_types", up_block_types},
          {"use_post_quant_conv", false},
          {"use_quant_conv", false}};
}

void VaeConfig::validate(const std::string& source) const {
  require(!block_out_channels.empty(), source, "'block_out_channels' is empty");
  require(up_block_types.size() == block_out_channels.size(), source,
          "'up_block_types' and 'block_out_channels' differ in length");
  for (const auto& type : up_block_types)
    require(type == "CogVideoXUpBlock3D", source, "unsupported up block type '" + type + "'");
  require(act_fn == "silu", source, "unsupported 'act_fn' '" + act_fn + "' (only silu)");
  require(layers_per_block >= 1, source, "'layers_per_block' must be >= 1");
  require(norm_num_groups >= 1, source, "'norm_num_groups' must be >= 1");
  for (const int64_t channels : block_out_channels)
    require(channels > 0 && channels % norm_num_groups == 0, source,
            "'block_out_channels' entry " + std::to_string(channels) +
                " is not a positive multiple of 'norm_num_groups'");
  require(latent_channels > 0 && out_channels > 0, source, "channel counts must be positive");
  require(scaling_factor > 0, source, "'scaling_factor' must be positive");
  const int64_t r = temporal_compression_ratio;
  require(r >= 1 && (r & (r - 1)) == 0, source, "'temporal_compression_ratio' is not a power of 2");
  require(temporal_compress_level() < static_cast<int64_t>(block_out_channels.size()), source,
          "'temporal_compression_ratio' needs more up blocks than the config has");
}

int64_t VaeConfig::spatial_compression() const {
  return int64_t{1} << (block_out_channels.size() - 1);
}

int64_t VaeConfig::temporal_compress_level() const {
  int64_t level = 0;
  while ((int64_t{1} << level) < temporal_compression_ratio) ++level;
  return level;
}

int64_t VaeConfig::chunk_output_frames(int64_t latent_frames) const {
  if (latent_frames <= 1) return latent_frames;
  if (latent_frames % 2 == 1) return 1 + temporal_compression_ratio * (latent_frames - 1);
  return temporal_compression_ratio * latent_frames;
}

}  // namespace ditstream
