#pragma once
// Building blocks of AutoencoderKLWan (Wan2.1 layout): RMS norm, residual block, single-head
// spatial attention, resampler, mid and up blocks. Member names equal the diffusers keys.

#include "core/model/layers.h"
#include "core/model/wan/causal_conv3d.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace ditstream {

// A block the encoder and decoder chain through the feature cache.
class WanCachedBlock : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x, WanVaeState& state) const = 0;
};

// WanRMS_norm without bias: F.normalize over channels (dim 1, eps 1e-12 on the L2 norm) times
// sqrt(dim) times gamma; not torch.nn.RMSNorm. gamma is (dim, 1, 1) for images, (dim, 1, 1, 1)
// for videos.
class WanRmsNorm : public torch::nn::Module {
 public:
  WanRmsNorm(int64_t dim, bool images, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::Tensor gamma;

 private:
  double scale_;
};

// norm1, SiLU, conv1, norm2, SiLU, conv2, plus conv_shortcut (1x1x1, only when in != out).
class WanResidualBlock : public WanCachedBlock {
 public:
  WanResidualBlock(int64_t in, int64_t out, WanCacheLayout& layout,
                   const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, WanVaeState& state) const override;

 private:
  std::shared_ptr<WanRmsNorm> norm1_, norm2_;
  std::shared_ptr<WanCausalConv3d> conv1_, conv2_, conv_shortcut_;
};

// Per frame: RMS norm, 1x1 to_qkv, one head of attention over H*W (head dim = channels), 1x1
// proj, residual.
class WanAttentionBlock : public torch::nn::Module {
 public:
  WanAttentionBlock(int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  torch::Tensor attend(const torch::Tensor& images) const;

  std::shared_ptr<WanRmsNorm> norm_;
  std::shared_ptr<Conv> to_qkv_, proj_;
};

enum class WanResampleMode { kUpsample2d, kUpsample3d, kDownsample2d, kDownsample3d };

// WanResample. Up: [time_conv: 2 frames per frame] then per frame nearest x2 and a 3x3 conv to
// dim / 2 (`resample.1`). Down: per frame zero-pad right/bottom and a 3x3 stride-2 conv, then
// [time_conv: stride 2 over the previous call's last frame and this call's frames].
class WanResample : public WanCachedBlock {
 public:
  WanResample(int64_t dim, WanResampleMode mode, WanCacheLayout& layout,
              const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, WanVaeState& state) const override;

 private:
  torch::Tensor spatial(const torch::Tensor& x) const;
  torch::Tensor upsample_time(const torch::Tensor& x, WanVaeState& state) const;
  torch::Tensor downsample_time(const torch::Tensor& x, WanVaeState& state) const;

  WanResampleMode mode_;
  std::shared_ptr<Conv> conv_;                  // resample.1
  std::shared_ptr<WanCausalConv3d> time_conv_;  // 3d modes only
  int64_t slot_ = -1;                           // 3d modes only
};

// resnets.0, attentions.0, resnets.1.
class WanMidBlock : public WanCachedBlock {
 public:
  WanMidBlock(int64_t dim, WanCacheLayout& layout, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, WanVaeState& state) const override;

 private:
  std::shared_ptr<WanResidualBlock> resnet0_, resnet1_;
  std::shared_ptr<WanAttentionBlock> attention_;
};

// WanUpBlock: num_res_blocks + 1 residual blocks, then the optional up-sampler (upsamplers.0).
class WanUpBlock : public WanCachedBlock {
 public:
  WanUpBlock(int64_t in, int64_t out, int64_t num_res_blocks,
             std::optional<WanResampleMode> upsample, WanCacheLayout& layout,
             const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, WanVaeState& state) const override;

 private:
  std::vector<std::shared_ptr<WanResidualBlock>> resnets_;
  std::shared_ptr<WanResample> upsampler_;
};

}  // namespace ditstream
