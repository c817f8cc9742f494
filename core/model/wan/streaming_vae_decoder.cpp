#include "core/model/wan/streaming_vae_decoder.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {
namespace {

// (1, z_dim, 1, 1, 1) on the device and in the dtype of `like`.
torch::Tensor channel_tensor(const std::vector<double>& values, const torch::Tensor& like) {
  const auto n = static_cast<int64_t>(values.size());
  // Through float32 like torch.tensor(list): a direct double -> bf16 cast can round differently.
  return torch::tensor(values, torch::kDouble)
      .to(torch::kFloat32)
      .to(like.device(), like.scalar_type())
      .reshape({1, n, 1, 1, 1});
}

void check_latents(const WanVaeConfig& config, const torch::Tensor& latents) {
  if (latents.dim() == 5 && latents.size(1) == config.z_dim) return;
  throw std::invalid_argument("Wan VAE: latents must be (B, " + std::to_string(config.z_dim) +
                              ", F, h, w), got " + c10::str(latents.sizes()));
}

}  // namespace

torch::Tensor wan_denormalize_latents(const WanVaeConfig& config, const torch::Tensor& latents) {
  ditstream::check_latents(config, latents);
  const torch::Tensor inv_std =
      torch::reciprocal(ditstream::channel_tensor(config.latents_std, latents));
  return latents / inv_std + ditstream::channel_tensor(config.latents_mean, latents);
}

torch::Tensor wan_normalize_latents(const WanVaeConfig& config, const torch::Tensor& mode) {
  ditstream::check_latents(config, mode);
  const torch::Tensor inv_std =
      torch::reciprocal(ditstream::channel_tensor(config.latents_std, mode));
  return (mode - ditstream::channel_tensor(config.latents_mean, mode)) * inv_std;
}

WanStreamingDecoder::WanStreamingDecoder(std::shared_ptr<const AutoencoderKLWan> vae)
    : vae_(std::move(vae)) {
  if (!vae_) throw std::invalid_argument("WanStreamingDecoder: no VAE given");
}

torch::Tensor WanStreamingDecoder::decode(const torch::Tensor& latents) {
  const torch::Tensor z = ditstream::wan_denormalize_latents(vae_->config(), latents);
  torch::Tensor frames = vae_->decode_chunk(z, state_);
  latent_frames_ += latents.size(2);
  return frames;
}

void WanStreamingDecoder::reset() {
  state_.reset();
  latent_frames_ = 0;
}

torch::Tensor wan_decode_latents(const AutoencoderKLWan& vae, const torch::Tensor& latents) {
  WanVaeState state;
  return vae.decode_chunk(ditstream::wan_denormalize_latents(vae.config(), latents), state);
}

WanEncodedVideo wan_encode_video(const AutoencoderKLWan& vae, const torch::Tensor& video) {
  WanEncodedVideo out;
  out.moments = vae.encode_moments(video);
  out.latent_mode = out.moments.narrow(1, 0, vae.config().z_dim);
  out.latents_normalized = ditstream::wan_normalize_latents(vae.config(), out.latent_mode);
  return out;
}

}  // namespace ditstream
