#pragma once
// AutoencoderKLWan (Wan2.1 VAE): WanDecoder3d (keys `decoder.*`), post_quant_conv, and, when
// asked for, the encoder and quant_conv. Modules are stateless: a decode stream's feature cache
// lives in a caller-owned WanVaeState.

#include "core/model/wan/causal_conv3d.h"
#include "core/model/wan/vae_blocks.h"
#include "core/model/wan/vae_config.h"
#include "core/model/wan/vae_encoder.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace ditstream {

// conv_in, mid_block, up_blocks, norm_out, SiLU, conv_out.
class WanDecoder3d : public torch::nn::Module {
 public:
  WanDecoder3d(const WanVaeConfig& config, const torch::TensorOptions& options);
  // x (B, z_dim, F, h, w) after post_quant_conv, run one latent frame at a time (the reference
  // schedule) continuing the stream in `state`: a fresh stream's first frame gives 1 video frame,
  // every other frame 2^(temporal up-samplers). Not clamped.
  torch::Tensor forward(const torch::Tensor& x, WanVaeState& state) const;
  int64_t cache_slots() const { return layout_.count(); }

 private:
  void prepare(WanVaeState& state) const;
  torch::Tensor forward_frame(const torch::Tensor& frame, WanVaeState& state) const;

  int64_t out_channels_, spatial_compression_;
  WanCacheLayout layout_;
  std::shared_ptr<WanCausalConv3d> conv_in_, conv_out_;
  std::shared_ptr<WanMidBlock> mid_block_;
  std::vector<std::shared_ptr<WanUpBlock>> up_blocks_;
  std::shared_ptr<WanRmsNorm> norm_out_;
};

class AutoencoderKLWan : public torch::nn::Module {
 public:
  AutoencoderKLWan(const WanVaeConfig& config, const torch::TensorOptions& options,
                   bool with_encoder = false);
  const WanVaeConfig& config() const { return config_; }
  bool has_encoder() const { return encoder_ != nullptr; }
  const WanDecoder3d& decoder() const { return *decoder_; }
  // z (B, z_dim, F, h, w), de-normalised: post_quant_conv, decoder, clamp to [-1, 1].
  torch::Tensor decode_chunk(const torch::Tensor& z, WanVaeState& state) const;
  // video (B, in_channels, 1 + 4k, H, W) in [-1, 1] -> moments quant_conv(encoder(video)),
  // channels [0, z_dim) mean and [z_dim, 2 z_dim) logvar (unclamped).
  torch::Tensor encode_moments(const torch::Tensor& video) const;

 private:
  WanVaeConfig config_;
  std::shared_ptr<WanEncoder3d> encoder_;
  std::shared_ptr<WanCausalConv3d> quant_conv_, post_quant_conv_;
  std::shared_ptr<WanDecoder3d> decoder_;
};

// Reads dir/config.json and dir/diffusion_pytorch_model weights (strict: every decoder and
// post_quant_conv key, plus encoder and quant_conv keys when `with_encoder`; those are ignored
// otherwise). `options` sets dtype and device.
std::shared_ptr<AutoencoderKLWan> load_wan_vae(const std::filesystem::path& dir,
                                               const torch::TensorOptions& options,
                                               bool with_encoder = false);

}  // namespace ditstream
