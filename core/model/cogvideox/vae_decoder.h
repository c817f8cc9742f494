#pragma once
// AutoencoderKLCogVideoX: the decoder (keys `decoder.*`), and the encoder (`encoder.*`) only
// when asked for (training, reconstruction scores).
// Modules are stateless: the causal-conv caches of a stream live in a caller-owned DecoderState.

#include "core/model/cogvideox/causal_conv3d.h"
#include "core/model/cogvideox/vae_blocks.h"
#include "core/model/cogvideox/vae_config.h"
#include "core/model/cogvideox/vae_encoder.h"
#include "core/model/layers.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace ditstream {

// CogVideoXDecoder3D: conv_in, mid_block, up_blocks, norm_out, SiLU, conv_out.
class VaeDecoder : public torch::nn::Module {
 public:
  VaeDecoder(const VaeConfig& config, const torch::TensorOptions& options);
  // One chunk of latent frames z (B, latent_channels, T, h, w), already scaled; continues the
  // stream held by `state` (a fresh state starts a new one).
  torch::Tensor forward(const torch::Tensor& z, DecoderState& state) const;
  int64_t cache_slots() const { return slots_.count(); }

 private:
  void prepare(DecoderState& state) const;

  CacheSlots slots_;
  std::shared_ptr<CausalConv3d> conv_in_, conv_out_;
  std::shared_ptr<MidBlock3D> mid_block_;
  std::vector<std::shared_ptr<UpBlock3D>> up_blocks_;
  std::shared_ptr<SpatialNorm3D> norm_out_;
};

class AutoencoderKLCogVideoX : public torch::nn::Module {
 public:
  AutoencoderKLCogVideoX(const VaeConfig& config, const torch::TensorOptions& options,
                         bool with_encoder = false);
  const VaeConfig& config() const { return config_; }
  const VaeDecoder& decoder() const { return *decoder_; }
  bool has_encoder() const { return encoder_ != nullptr; }
  // x: (B, 3, T, H, W) in [-1, 1]; latents come unscaled (multiply by scaling_factor).
  LatentDistribution encode(const torch::Tensor& x) const;
  // Decodes one chunk (see VaeDecoder::forward): (B, out_channels, T_out, h*8, w*8).
  torch::Tensor decode_chunk(const torch::Tensor& z, DecoderState& state) const;

 private:
  VaeConfig config_;
  std::shared_ptr<VaeDecoder> decoder_;
  std::shared_ptr<VaeEncoder> encoder_;
};

// Reads dir/config.json and dir/diffusion_pytorch_model weights; every `decoder.*` key must
// match. Encoder and quant_conv keys are ignored (text-to-video decoding does not use them)
// unless `with_encoder`, which requires every `encoder.*` key too.
std::shared_ptr<AutoencoderKLCogVideoX> load_vae(const std::filesystem::path& dir,
                                                 const torch::TensorOptions& options,
                                                 bool with_encoder = false);

}  // namespace ditstream
