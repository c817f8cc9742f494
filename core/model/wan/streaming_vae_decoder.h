#pragma once
// The Wan VAE around the denoiser: latent (de-)normalisation with the config's latents_mean/std,
// streaming and whole-clip decode, whole-clip encode.

#include "core/model/wan/causal_conv3d.h"
#include "core/model/wan/vae_config.h"
#include "core/model/wan/vae_decoder.h"

#include <torch/types.h>

#include <cstdint>
#include <memory>

namespace ditstream {

// WanPipeline's exact expression: latents / (1 / latents_std) + latents_mean, with mean and std
// as (1, z_dim, 1, 1, 1) tensors in the latents' dtype.
torch::Tensor wan_denormalize_latents(const WanVaeConfig& config, const torch::Tensor& latents);
// The I2V / V2V pipelines' expression: (mode - latents_mean) * (1 / latents_std).
torch::Tensor wan_normalize_latents(const WanVaeConfig& config, const torch::Tensor& mode);

// Decodes a stream of normalised latents chunk by chunk, carrying the feature cache: the
// concatenated outputs equal one whole-clip decode. The first call of a stream yields
// 1 + 4 (f - 1) frames for f latent frames, later calls 4 f (Wan2.1 layout).
class WanStreamingDecoder {
 public:
  explicit WanStreamingDecoder(std::shared_ptr<const AutoencoderKLWan> vae);
  // latents (B, z_dim, f, h, w) normalised, any f >= 0 -> (B, 3, frames, 8h, 8w) in [-1, 1].
  torch::Tensor decode(const torch::Tensor& latents);
  // Drops the cache; the next call starts a new stream.
  void reset();
  const WanVaeState& state() const { return state_; }
  int64_t latent_frames_decoded() const { return latent_frames_; }

 private:
  std::shared_ptr<const AutoencoderKLWan> vae_;
  WanVaeState state_;
  int64_t latent_frames_ = 0;
};

// Whole-clip decode of normalised latents (B, z_dim, F, h, w) -> (B, 3, 1 + 4 (F - 1), 8h, 8w).
torch::Tensor wan_decode_latents(const AutoencoderKLWan& vae, const torch::Tensor& latents);

struct WanEncodedVideo {
  torch::Tensor moments;             // (B, 2 z_dim, F, h, w): mean, then logvar (unclamped)
  torch::Tensor latent_mode;         // the mean half (DiagonalGaussianDistribution.mode())
  torch::Tensor latents_normalized;  // wan_normalize_latents(latent_mode)
};

// Whole-clip encode of video (B, 3, 1 + 4k, H, W) in [-1, 1]; the VAE needs its encoder.
WanEncodedVideo wan_encode_video(const AutoencoderKLWan& vae, const torch::Tensor& video);

}  // namespace ditstream
