#pragma once
// Decoded video to frames, as diffusers' VideoProcessor.postprocess_video does for every family.

#include <torch/types.h>

namespace ditstream {

// Raw decode (B, 3, F, H, W) -> frames (B, F, 3, H, W), float32 in [0, 1] (x*0.5 + 0.5, clamped
// in the decode dtype).
torch::Tensor postprocess_video(const torch::Tensor& decoded);

// Frames in [0, 1] (B, F, 3, H, W) -> (B, F, H, W, 3) uint8, round(x*255) (half to even).
torch::Tensor to_uint8_rgb(const torch::Tensor& frames01);

}  // namespace ditstream
