#pragma once
// The CogVideoX family behind the family-agnostic interfaces the generators use.

#include "core/model/video_transformer.h"
#include "core/model/video_vae.h"

#include <memory>

namespace ditstream {

class CogVideoXTransformer3DModel;
class AutoencoderKLCogVideoX;

class CogVideoXVideoTransformer : public VideoTransformer {
 public:
  CogVideoXVideoTransformer(std::shared_ptr<CogVideoXTransformer3DModel> model,
                            int64_t spatial_compression);
  torch::Tensor predict(const torch::Tensor& latents, const torch::Tensor& text, double t,
                        const AttentionContext& ctx) const override;
  const ModelGeometry& geometry() const override { return geometry_; }
  // The module itself, for training and verification.
  const std::shared_ptr<CogVideoXTransformer3DModel>& model() const { return model_; }

 private:
  std::shared_ptr<CogVideoXTransformer3DModel> model_;
  ModelGeometry geometry_;
};

class CogVideoXVideoVae : public VideoVae {
 public:
  explicit CogVideoXVideoVae(std::shared_ptr<AutoencoderKLCogVideoX> vae);
  torch::Tensor decode(const torch::Tensor& latents) const override;
  std::unique_ptr<LatentDecoder> stream_decoder(int64_t window_frames) const override;
  const std::shared_ptr<AutoencoderKLCogVideoX>& model() const { return vae_; }

 private:
  std::shared_ptr<AutoencoderKLCogVideoX> vae_;
};

}  // namespace ditstream
