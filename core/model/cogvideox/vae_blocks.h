#pragma once
// Decoder building blocks of AutoencoderKLCogVideoX: spatial norm, resnet, up-sampler, up and mid
// blocks. Member names equal the diffusers state-dict keys.

#include "core/model/cogvideox/causal_conv3d.h"
#include "core/model/layers.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <vector>

namespace ditstream {

// A 1x1x1 Conv3d (resnet shortcuts), and a Conv2d 3x3 with the given stride and padding (the
// per-frame up- and down-samplers).
std::shared_ptr<Conv> pointwise_conv3d(int64_t in, int64_t out,
                                       const torch::TensorOptions& options);
std::shared_ptr<Conv> conv2d_3x3(int64_t channels, int64_t stride, int64_t padding,
                                 const torch::TensorOptions& options);

// Applies a per-image op to every frame: (B, C, T, H, W) -> frames (B*T, C, H, W) -> op -> back.
torch::Tensor apply_per_frame(const torch::Tensor& x,
                              const std::function<torch::Tensor(const torch::Tensor&)>& op);

// CogVideoXSpatialNorm3D: GroupNorm(f) * conv_y(zq) + conv_b(zq), zq resized to f's (T, H, W).
class SpatialNorm3D : public torch::nn::Module {
 public:
  SpatialNorm3D(int64_t f_channels, int64_t zq_channels, int64_t groups, CacheSlots& slots,
                const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& f, const torch::Tensor& zq) const;

 private:
  std::shared_ptr<GroupNorm> norm_layer_;
  std::shared_ptr<CausalConv3d> conv_y_, conv_b_;
};

// CogVideoXResnetBlock3D in its decoder form (spatial norms, no time embedding).
class ResnetBlock3D : public torch::nn::Module {
 public:
  ResnetBlock3D(int64_t in, int64_t out, int64_t zq_channels, int64_t groups, CacheSlots& slots,
                const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& zq, DecoderState& state) const;

 private:
  std::shared_ptr<SpatialNorm3D> norm1_, norm2_;
  std::shared_ptr<CausalConv3d> conv1_, conv2_;
  std::shared_ptr<Conv> conv_shortcut_;  // 1x1x1, not causal; only when in != out
};

// CogVideoXUpsample3D: nearest x2 (also in time when compress_time), then a per-frame Conv2d 3x3.
class Upsample3D : public torch::nn::Module {
 public:
  Upsample3D(int64_t channels, bool compress_time, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  torch::Tensor upsample(const torch::Tensor& x) const;

  std::shared_ptr<Conv> conv_;
  bool compress_time_;
};

struct UpBlockShape {
  int64_t in_channels, out_channels, num_layers, zq_channels, groups;
  bool add_upsample, compress_time;
};

// CogVideoXUpBlock3D: resnets at the input resolution, then the optional up-sampler.
class UpBlock3D : public torch::nn::Module {
 public:
  UpBlock3D(const UpBlockShape& shape, CacheSlots& slots, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& zq, DecoderState& state) const;

 private:
  std::vector<std::shared_ptr<ResnetBlock3D>> resnets_;
  std::shared_ptr<Upsample3D> upsampler_;
};

// CogVideoXMidBlock3D: resnets at constant width.
class MidBlock3D : public torch::nn::Module {
 public:
  MidBlock3D(int64_t channels, int64_t num_layers, int64_t zq_channels, int64_t groups,
             CacheSlots& slots, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& zq, DecoderState& state) const;

 private:
  std::vector<std::shared_ptr<ResnetBlock3D>> resnets_;
};

}  // namespace ditstream
