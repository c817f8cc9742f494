#pragma once
// CogVideoXPipeline's latent-to-pixel path around the VAE (decode_latents).

#include "core/model/cogvideox/vae_config.h"
#include "core/model/cogvideox/vae_decoder.h"

#include <torch/types.h>

namespace ditstream {

// Pipeline latents (B, F, C, h, w) -> decoder input (B, C, F, h, w) times the double
// 1/scaling_factor (a multiplication, as the pipeline does, not a division).
torch::Tensor latents_to_decoder_input(const VaeConfig& config, const torch::Tensor& latents_bfchw);

// First latent chunk of the reference schedule for F frames: 2 + F % 2 (just F when F < 2).
int64_t reference_first_chunk(int64_t latent_frames);

// CogVideoXPipeline.decode_latents: (B, F, C, h, w) -> raw decode (B, 3, F_out, H, W).
torch::Tensor decode_latents(const AutoencoderKLCogVideoX& vae, const torch::Tensor& latents_bfchw);

}  // namespace ditstream
