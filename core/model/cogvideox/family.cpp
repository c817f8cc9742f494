#include "core/model/cogvideox/family.h"

#include "core/model/cogvideox/streaming_vae_decoder.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/video_postprocess.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

ModelGeometry geometry_of(const TransformerConfig& c, int64_t spatial_compression) {
  ModelGeometry g;
  g.family = "cogvideox";
  g.latent_channels = c.in_channels;
  g.temporal_compression = c.temporal_compression_ratio;
  g.spatial_compression = spatial_compression;
  g.patch_size = c.patch_size;
  g.num_layers = c.num_layers;
  g.text_length = c.max_text_seq_length;
  g.latent_frames = c.latent_frames();
  g.latent_height = c.sample_height;
  g.latent_width = c.sample_width;
  g.frame_rate = 8;
  return g;
}

class CogVideoXLatentDecoder : public LatentDecoder {
 public:
  CogVideoXLatentDecoder(std::shared_ptr<const AutoencoderKLCogVideoX> vae, int64_t first_chunk)
      : config_(vae->config()), decoder_(std::move(vae), first_chunk) {}
  torch::Tensor push(const torch::Tensor& latents) override {
    return decoder_.push(latents_to_decoder_input(config_, latents));
  }
  torch::Tensor flush() override { return decoder_.flush(); }

 private:
  VaeConfig config_;
  StreamingVaeDecoder decoder_;
};

}  // namespace

CogVideoXVideoTransformer::CogVideoXVideoTransformer(
    std::shared_ptr<CogVideoXTransformer3DModel> model, int64_t spatial_compression)
    : model_(std::move(model)), geometry_(geometry_of(model_->config(), spatial_compression)) {}

torch::Tensor CogVideoXVideoTransformer::predict(const torch::Tensor& latents,
                                                 const torch::Tensor& text, double t,
                                                 const AttentionContext& ctx) const {
  const auto options = torch::dtype(torch::kLong).device(latents.device());
  return model_->forward(latents, text, torch::full({latents.size(0)}, t, options), ctx);
}

CogVideoXVideoVae::CogVideoXVideoVae(std::shared_ptr<AutoencoderKLCogVideoX> vae)
    : vae_(std::move(vae)) {}

torch::Tensor CogVideoXVideoVae::decode(const torch::Tensor& latents) const {
  return decode_latents(*vae_, latents);
}

// The reference decodes a window's first chunk of 2 + F % 2 latent frames, then pairs.
std::unique_ptr<LatentDecoder> CogVideoXVideoVae::stream_decoder(int64_t window_frames) const {
  const int64_t first = std::max<int64_t>(1, reference_first_chunk(window_frames));
  return std::make_unique<CogVideoXLatentDecoder>(vae_, first);
}

}  // namespace ditstream
