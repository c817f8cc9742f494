#pragma once
// vae/config.json of AutoencoderKLCogVideoX (diffusers keys), validated for the decoder path.

#include "core/io/json_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ditstream {

struct VaeConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  int64_t latent_channels = 16;
  std::vector<int64_t> block_out_channels{128, 256, 256, 512};
  std::vector<std::string> down_block_types = std::vector<std::string>(4, "CogVideoXDownBlock3D");
  std::vector<std::string> up_block_types = std::vector<std::string>(4, "CogVideoXUpBlock3D");
  int64_t layers_per_block = 3;
  std::string act_fn = "silu";
  int64_t norm_num_groups = 32;
  double norm_eps = 1e-6;
  int64_t temporal_compression_ratio = 4;
  int64_t sample_height = 480;
  int64_t sample_width = 720;
  double scaling_factor = 1.15258426;
  bool force_upcast = true;
  bool invert_scale_latents = false;

  // Throws naming `source` (and the field) when the config is outside what the port supports.
  static VaeConfig from_json(const JsonConfig& json);
  nlohmann::json to_json() const;
  void validate(const std::string& source) const;

  int64_t spatial_compression() const;  // 2^(blocks - 1): 8 for CogVideoX
  int64_t temporal_compress_level()
      const;  // log2(temporal_compression_ratio): up blocks that double T
  // Pixel frames one decoder call makes from a chunk of `latent_frames` (odd > 1: the first frame
  // is not stretched in time).
  int64_t chunk_output_frames(int64_t latent_frames) const;
};

}  // namespace ditstream
