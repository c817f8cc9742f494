#include "core/model/wan/vae_config.h"

#include <algorithm>
#include <stdexcept>

namespace ditstream {
namespace {

constexpr const char* kClassName = "AutoencoderKLWan";

void check_class_name(const JsonConfig& json) {
  const auto name = json.get<std::string>("_class_name", kClassName);
  require_field(name == kClassName, json.source, "_class_name",
                "is '" + name + "', expected '" + kClassName + "'");
}

// Wan2.2 fields: accepted only at the values that mean "Wan2.1 layout".
void check_unsupported(const JsonConfig& json) {
  require_field(!json.get<bool>("is_residual", false), json.source, "is_residual",
                "is true; only the Wan2.1 layout (false) is supported");
  const auto patch = json.get<int64_t>("patch_size", 1);
  require_field(patch == 1, json.source, "patch_size",
                "is " + std::to_string(patch) + "; only null or 1 is supported");
}

bool is_power_of_two_of(int64_t value, int64_t exponent) {
  return exponent >= 0 && exponent < 62 && value == (int64_t{1} << exponent);
}

}  // namespace

WanVaeConfig WanVaeConfig::from_json(const JsonConfig& json) {
  check_class_name(json);
  check_unsupported(json);
  WanVaeConfig c;
  c.base_dim = json.get<int64_t>("base_dim", c.base_dim);
  c.decoder_base_dim = json.get<int64_t>("decoder_base_dim", c.decoder_base_dim);
  c.z_dim = json.get<int64_t>("z_dim", c.z_dim);
  c.dim_mult = json.get<std::vector<int64_t>>("dim_mult", c.dim_mult);
  c.num_res_blocks = json.get<int64_t>("num_res_blocks", c.num_res_blocks);
  c.attn_scales = json.get<std::vector<double>>("attn_scales", c.attn_scales);
  c.temperal_downsample = json.get<std::vector<bool>>("temperal_downsample", c.temperal_downsample);
  c.dropout = json.get<double>("dropout", c.dropout);
  c.latents_mean = json.get<std::vector<double>>("latents_mean", c.latents_mean);
  c.latents_std = json.get<std::vector<double>>("latents_std", c.latents_std);
  c.in_channels = json.get<int64_t>("in_channels", c.in_channels);
  c.out_channels = json.get<int64_t>("out_channels", c.out_channels);
  c.scale_factor_temporal = json.get<int64_t>("scale_factor_temporal", c.scale_factor_temporal);
  c.scale_factor_spatial = json.get<int64_t>("scale_factor_spatial", c.scale_factor_spatial);
  c.validate(json.source);
  return c;
}

WanVaeConfig WanVaeConfig::load(const std::filesystem::path& config_json) {
  return from_json(JsonConfig::load(config_json));
}

void WanVaeConfig::validate(const std::string& source) const {
  require_field(base_dim > 0, source, "base_dim", "must be positive");
  require_field(decoder_base_dim >= 0, source, "decoder_base_dim", "must be positive or null");
  require_field(z_dim > 0, source, "z_dim", "must be positive");
  require_field(in_channels > 0, source, "in_channels", "must be positive");
  require_field(out_channels > 0, source, "out_channels", "must be positive");
  require_field(num_res_blocks >= 1, source, "num_res_blocks", "must be >= 1");
  require_field(!dim_mult.empty(), source, "dim_mult", "must not be empty");
  require_field(std::all_of(dim_mult.begin(), dim_mult.end(), [](int64_t m) { return m > 0; }),
                source, "dim_mult", "entries must be positive");
  require_field(temperal_downsample.size() + 1 == dim_mult.size(), source, "temperal_downsample",
                "must have one entry fewer than 'dim_mult'");
  // diffusers' encoder cannot run an attention block inside down_blocks (it passes it the cache).
  require_field(attn_scales.empty(), source, "attn_scales", "must be empty");
  const auto z = static_cast<size_t>(z_dim);
  require_field(latents_mean.size() == z, source, "latents_mean",
                "has " + std::to_string(latents_mean.size()) + " entries, expected z_dim");
  require_field(latents_std.size() == z, source, "latents_std",
                "has " + std::to_string(latents_std.size()) + " entries, expected z_dim");
  require_field(std::all_of(latents_std.begin(), latents_std.end(), [](double s) { return s > 0; }),
                source, "latents_std", "entries must be positive");
  const auto levels = static_cast<int64_t>(temperal_downsample.size());
  require_field(is_power_of_two_of(scale_factor_spatial, levels), source, "scale_factor_spatial",
                "must be 2^len(temperal_downsample) = " + std::to_string(spatial_compression()));
  require_field(scale_factor_temporal == temporal_compression(), source, "scale_factor_temporal",
                "must be 2^(true entries of temperal_downsample) = " +
                    std::to_string(temporal_compression()));
}

std::vector<bool> WanVaeConfig::temperal_upsample() const {
  return std::vector<bool>(temperal_downsample.rbegin(), temperal_downsample.rend());
}

int64_t WanVaeConfig::spatial_compression() const {
  return int64_t{1} << temperal_downsample.size();
}

int64_t WanVaeConfig::temporal_compression() const {
  return int64_t{1} << std::count(temperal_downsample.begin(), temperal_downsample.end(), true);
}

int64_t WanVaeConfig::video_frames(int64_t latent_frames) const {
  return latent_frames <= 0 ? 0 : 1 + temporal_compression() * (latent_frames - 1);
}

}  // namespace ditstream
