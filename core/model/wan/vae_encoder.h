#pragma once
// WanEncoder3d (keys `encoder.*` of AutoencoderKLWan): conv_in, a flat down_blocks list of
// residual blocks and resamplers, mid_block, norm_out, SiLU, conv_out. Frames go through in
// diffusers' chunks (frame 0 alone, then 4 at a time) with the feature cache carried between them.

#include "core/model/wan/causal_conv3d.h"
#include "core/model/wan/vae_blocks.h"
#include "core/model/wan/vae_config.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>
#include <vector>

namespace ditstream {

class WanEncoder3d : public torch::nn::Module {
 public:
  WanEncoder3d(const WanVaeConfig& config, const torch::TensorOptions& options);
  // One chunk of frames (B, in_channels, T, H, W), continuing the encode held by `state`.
  torch::Tensor forward(const torch::Tensor& x, WanVaeState& state) const;
  // A whole clip with T = 1 + 4k frames -> (B, 2 z_dim, 1 + k, H/8, W/8), before quant_conv.
  torch::Tensor encode_clip(const torch::Tensor& video) const;
  int64_t cache_slots() const { return layout_.count(); }

 private:
  void prepare(WanVaeState& state) const;

  int64_t chunk_frames_;
  WanCacheLayout layout_;
  std::shared_ptr<WanCausalConv3d> conv_in_, conv_out_;
  std::vector<std::shared_ptr<WanCachedBlock>> down_blocks_;
  std::shared_ptr<WanMidBlock> mid_block_;
  std::shared_ptr<WanRmsNorm> norm_out_;
};

}  // namespace ditstream
