#pragma once
// vae/config.json of AutoencoderKLWan (Wan2.1 VAE, diffusers keys), validated for this port.

#include "core/io/json_config.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ditstream {

struct WanVaeConfig {
  int64_t base_dim = 96;
  int64_t decoder_base_dim = 0;  // 0: null in the file, the decoder uses base_dim
  int64_t z_dim = 16;
  std::vector<int64_t> dim_mult{1, 2, 4, 4};
  int64_t num_res_blocks = 2;
  std::vector<double> attn_scales;
  std::vector<bool> temperal_downsample{false, true, true};  // diffusers' spelling
  double dropout = 0.0;
  std::vector<double> latents_mean{-0.7571, -0.7089, -0.9113, 0.1075,  -0.1745, 0.9653,
                                   -0.1517, 1.5508,  0.4134,  -0.0715, 0.5517,  -0.3632,
                                   -0.1922, -0.9497, 0.2503,  -0.2921};
  std::vector<double> latents_std{2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                                  3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160};
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  int64_t scale_factor_temporal = 4;
  int64_t scale_factor_spatial = 8;

  // Throws naming the file and field for a wrong type or a value this port does not support
  // (is_residual, patch_size > 1 and non-empty attn_scales are Wan2.2 / unused paths).
  static WanVaeConfig from_json(const JsonConfig& json);
  static WanVaeConfig load(const std::filesystem::path& config_json);
  void validate(const std::string& source) const;

  int64_t decoder_dim() const { return decoder_base_dim > 0 ? decoder_base_dim : base_dim; }
  std::vector<bool> temperal_upsample() const;  // temperal_downsample reversed
  int64_t spatial_compression() const;          // 2^len(temperal_downsample)
  int64_t temporal_compression() const;         // 2^(number of true entries)
  // Video frames of a decode of `latent_frames` frames from the start of a stream.
  int64_t video_frames(int64_t latent_frames) const;
};

}  // namespace ditstream
