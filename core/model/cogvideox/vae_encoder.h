#pragma once
// The encoder side of AutoencoderKLCogVideoX (keys `encoder.*`): CogVideoXEncoder3D with its
// down and mid blocks. Only training and the reconstruction ceiling use it; text-to-video
// decoding never does. Whole clips are encoded in one call (no frame batching).

#include "core/model/cogvideox/causal_conv3d.h"
#include "core/model/cogvideox/vae_config.h"
#include "core/model/layers.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>
#include <vector>

namespace ditstream {

// CogVideoXResnetBlock3D in its encoder form: GroupNorm, SiLU, causal conv, twice.
class EncoderResnetBlock3D : public torch::nn::Module {
 public:
  EncoderResnetBlock3D(int64_t in, int64_t out, const VaeConfig& config, CacheSlots& slots,
                       const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, DecoderState& state) const;

 private:
  std::shared_ptr<GroupNorm> norm1_, norm2_;
  std::shared_ptr<CausalConv3d> conv1_, conv2_;
  std::shared_ptr<Conv> conv_shortcut_;  // 1x1x1, only when in != out
};

// CogVideoXDownsample3D: average-pool pairs of frames (frame 0 kept alone when T is odd) when
// compress_time, then pad right/bottom by one and a per-frame Conv2d 3x3 with stride 2.
class Downsample3D : public torch::nn::Module {
 public:
  Downsample3D(int64_t channels, bool compress_time, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  std::shared_ptr<Conv> conv_;
  bool compress_time_;
};

// CogVideoXDownBlock3D (add_downsample unless last) and CogVideoXMidBlock3D share this shape:
// resnets, then an optional down-sampler.
class EncoderBlock3D : public torch::nn::Module {
 public:
  EncoderBlock3D(int64_t in, int64_t out, int64_t layers, bool downsample, bool compress_time,
                 const VaeConfig& config, CacheSlots& slots, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, DecoderState& state) const;

 private:
  std::vector<std::shared_ptr<EncoderResnetBlock3D>> resnets_;
  std::shared_ptr<Downsample3D> downsampler_;
};

// CogVideoXEncoder3D: (B, 3, T, H, W) in [-1, 1] -> moments (B, 2 latent_channels, T', h, w).
class VaeEncoder : public torch::nn::Module {
 public:
  VaeEncoder(const VaeConfig& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  CacheSlots slots_;
  std::shared_ptr<CausalConv3d> conv_in_, conv_out_;
  std::vector<std::shared_ptr<EncoderBlock3D>> down_blocks_;
  std::shared_ptr<EncoderBlock3D> mid_block_;
  std::shared_ptr<GroupNorm> norm_out_;
};

// DiagonalGaussianDistribution of the moments (logvar clamped to [-30, 20] as in diffusers).
struct LatentDistribution {
  torch::Tensor mean, logvar;

  static LatentDistribution from_moments(const torch::Tensor& moments);
  torch::Tensor sample(const c10::optional<torch::Generator>& generator = c10::nullopt) const;
  // Per-element mean of KL(q || N(0, 1)).
  torch::Tensor kl() const;
};

}  // namespace ditstream
