#include "core/model/wan/family.h"

#include "core/model/wan/rope.h"
#include "core/model/wan/streaming_vae_decoder.h"
#include "core/model/wan/transformer.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

// Wan2.1's defaults: 81 frames at 832x480, 16 fps (WanPipeline's num_frames, width, height;
// the original's sample_fps).
ModelGeometry geometry_of(const WanTransformerConfig& t, const WanVaeConfig& v) {
  ModelGeometry g;
  g.family = "wan";
  g.latent_channels = t.in_channels;
  g.temporal_compression = 1;
  for (const bool down : v.temperal_downsample) g.temporal_compression *= down ? 2 : 1;
  g.spatial_compression = int64_t{1} << (v.dim_mult.size() - 1);
  g.patch_size = t.patch_size[1];
  g.num_layers = t.num_layers;
  g.text_length = 512;
  g.latent_frames = (81 - 1) / g.temporal_compression + 1;
  g.latent_height = 480 / g.spatial_compression;
  g.latent_width = 832 / g.spatial_compression;
  g.frame_rate = 16;
  return g;
}

torch::Tensor channels_first(const torch::Tensor& bfchw) { return bfchw.permute({0, 2, 1, 3, 4}); }

class WanLatentDecoder : public LatentDecoder {
 public:
  explicit WanLatentDecoder(std::shared_ptr<const AutoencoderKLWan> vae)
      : decoder_(std::move(vae)) {}
  torch::Tensor push(const torch::Tensor& latents) override {
    return decoder_.decode(channels_first(latents));
  }
  torch::Tensor flush() override {
    decoder_.reset();
    return {};
  }

 private:
  WanStreamingDecoder decoder_;
};

}  // namespace

WanVideoTransformer::WanVideoTransformer(std::shared_ptr<WanTransformer3DModel> model,
                                         const AutoencoderKLWan& vae)
    : model_(std::move(model)), geometry_(geometry_of(model_->config(), vae.config())) {}

torch::Tensor WanVideoTransformer::predict(const torch::Tensor& latents, const torch::Tensor& text,
                                           double t, const AttentionContext& ctx) const {
  const auto timestep = torch::full({latents.size(0)}, t, torch::dtype(torch::kFloat));
  return channels_first(model_->forward(channels_first(latents), timestep, text, ctx));
}

torch::Tensor WanVideoTransformer::predict_chunk(const torch::Tensor& latents,
                                                 const torch::Tensor& text, double t,
                                                 int64_t first_frame,
                                                 const AttentionContext& ctx) const {
  const auto timestep = torch::full({latents.size(0)}, t, torch::dtype(torch::kFloat));
  WanForwardOptions options;
  options.frame_offset = first_frame;
  return channels_first(model_->forward(channels_first(latents), timestep, text, ctx, options));
}

torch::Tensor WanVideoTransformer::shift_key_frames(const torch::Tensor& keys,
                                                    int64_t frames) const {
  return ditstream::shift_wan_rope_frames(keys, frames);
}

WanVideoVae::WanVideoVae(std::shared_ptr<AutoencoderKLWan> vae) : vae_(std::move(vae)) {}

torch::Tensor WanVideoVae::decode(const torch::Tensor& latents) const {
  return wan_decode_latents(*vae_, channels_first(latents));
}

std::unique_ptr<LatentDecoder> WanVideoVae::stream_decoder(int64_t) const {
  return std::make_unique<WanLatentDecoder>(vae_);
}

}  // namespace ditstream
