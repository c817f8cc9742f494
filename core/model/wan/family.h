#pragma once
// The Wan2.1 family behind the family-agnostic interfaces the generators use.

#include "core/model/video_transformer.h"
#include "core/model/video_vae.h"

#include <memory>

namespace ditstream {

class WanTransformer3DModel;
class AutoencoderKLWan;

class WanVideoTransformer : public VideoTransformer {
 public:
  WanVideoTransformer(std::shared_ptr<WanTransformer3DModel> model, const AutoencoderKLWan& vae);
  // The stream's (B, F, C, h, w) latents become Wan's channels-first layout and back.
  torch::Tensor predict(const torch::Tensor& latents, const torch::Tensor& text, double t,
                        const AttentionContext& ctx) const override;
  const ModelGeometry& geometry() const override { return geometry_; }
  torch::Tensor predict_chunk(const torch::Tensor& latents, const torch::Tensor& text, double t,
                              int64_t first_frame, const AttentionContext& ctx) const override;
  torch::Tensor shift_key_frames(const torch::Tensor& keys, int64_t frames) const override;
  const std::shared_ptr<WanTransformer3DModel>& model() const { return model_; }

 private:
  std::shared_ptr<WanTransformer3DModel> model_;
  ModelGeometry geometry_;
};

class WanVideoVae : public VideoVae {
 public:
  explicit WanVideoVae(std::shared_ptr<AutoencoderKLWan> vae);
  torch::Tensor decode(const torch::Tensor& latents) const override;
  // Wan's decoder is causal frame by frame: any chunking reproduces the whole decode.
  std::unique_ptr<LatentDecoder> stream_decoder(int64_t window_frames) const override;
  const std::shared_ptr<AutoencoderKLWan>& model() const { return vae_; }

 private:
  std::shared_ptr<AutoencoderKLWan> vae_;
};

}  // namespace ditstream
