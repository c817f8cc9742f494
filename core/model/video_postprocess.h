#pragma once
// The pipeline's latent-to-pixel path around the VAE: CogVideoXPipeline.decode_latents and
// VideoProcessor.postprocess_video.

#include "core/model/vae_config.h"
#include "core/model/vae_decoder.h"

#include <torch/types.h>

namespace ditstream {

// Pipeline latents (B, F, C, h, w) -> decoder input (B, C, F, h, w) times the double
// 1/scaling_factor (a multiplication, as the pipeline does, not a division).
torch::Tensor latents_to_decoder_input(const VaeConfig& config, const torch::Tensor& latents_bfchw);

// First latent chunk of the reference schedule for F frames: 2 + F % 2 (just F when F < 2).
int64_t reference_first_chunk(int64_t latent_frames);

// CogVideoXPipeline.decode_latents: (B, F, C, h, w) -> raw decode (B, 3, F_out, H, W).
torch::Tensor decode_latents(const AutoencoderKLCogVideoX& vae, const torch::Tensor& latents_bfchw);

// Raw decode (B, 3, F, H, W) -> frames (B, F, 3, H, W), float32 in [0, 1] (x*0.5 + 0.5, clamped
// in the decode dtype).
torch::Tensor postprocess_video(const torch::Tensor& decoded);

// Frames in [0, 1] (B, F, 3, H, W) -> (B, F, H, W, 3) uint8, round(x*255) (half to even).
torch::Tensor to_uint8_rgb(const torch::Tensor& frames01);

}  // namespace ditstream
