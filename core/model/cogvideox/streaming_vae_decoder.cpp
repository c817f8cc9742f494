#include "core/model/cogvideox/streaming_vae_decoder.h"

#include <torch/torch.h>

#include <stdexcept>
#include <vector>

namespace ditstream {
namespace {

constexpr int64_t kChunkFrames = 2;  // diffusers' num_latent_frames_batch_size

torch::Tensor cat_frames(const std::vector<torch::Tensor>& parts) {
  return parts.size() == 1 ? parts.front() : torch::cat(parts, 2);
}

}  // namespace

StreamingVaeDecoder::StreamingVaeDecoder(std::shared_ptr<const AutoencoderKLCogVideoX> vae,
                                         int64_t first_chunk_frames)
    : vae_(std::move(vae)), first_chunk_frames_(first_chunk_frames) {
  if (!vae_) throw std::invalid_argument("StreamingVaeDecoder: no VAE given");
  if (first_chunk_frames_ < 1)
    throw std::invalid_argument("StreamingVaeDecoder: first_chunk_frames must be >= 1, got " +
                                std::to_string(first_chunk_frames_));
}

int64_t StreamingVaeDecoder::pending_frames() const {
  return pending_.defined() ? pending_.size(2) : 0;
}

void StreamingVaeDecoder::reset() {
  state_.reset();
  pending_ = torch::Tensor();
  first_chunk_done_ = false;
}

void StreamingVaeDecoder::check_input(const torch::Tensor& z) const {
  const int64_t channels = vae_->config().latent_channels;
  if (z.dim() != 5 || z.size(1) != channels)
    throw std::invalid_argument("StreamingVaeDecoder::push: latents must be (B, " +
                                std::to_string(channels) + ", F, h, w), got " +
                                c10::str(z.sizes()));
  if (!pending_.defined()) return;
  const bool same = z.size(0) == pending_.size(0) && z.size(3) == pending_.size(3) &&
                    z.size(4) == pending_.size(4) && z.scalar_type() == pending_.scalar_type();
  if (!same)
    throw std::invalid_argument("StreamingVaeDecoder::push: latents " + c10::str(z.sizes()) +
                                " do not continue the buffered " + c10::str(pending_.sizes()));
}

torch::Tensor StreamingVaeDecoder::push(const torch::Tensor& z) {
  check_input(z);
  // Copies: the caller may reuse its buffer before the frames are decoded.
  pending_ = pending_.defined() ? torch::cat({pending_, z}, 2) : z.clone();
  return decode_ready(false);
}

torch::Tensor StreamingVaeDecoder::flush() {
  torch::Tensor out = decode_ready(true);
  reset();
  return out;
}

torch::Tensor StreamingVaeDecoder::take_chunk(int64_t frames) {
  torch::Tensor chunk = pending_.narrow(2, 0, frames);
  pending_ = pending_.narrow(2, frames, pending_.size(2) - frames);
  return vae_->decode_chunk(chunk, state_);
}

torch::Tensor StreamingVaeDecoder::decode_ready(bool final) {
  std::vector<torch::Tensor> parts;
  if (!first_chunk_done_ && pending_frames() > 0 &&
      (pending_frames() >= first_chunk_frames_ || final)) {
    parts.push_back(take_chunk(std::min(first_chunk_frames_, pending_frames())));
    first_chunk_done_ = true;
  }
  while (first_chunk_done_ && pending_frames() >= kChunkFrames)
    parts.push_back(take_chunk(kChunkFrames));
  if (final && first_chunk_done_ && pending_frames() > 0) parts.push_back(take_chunk(1));
  return parts.empty() ? no_frames() : cat_frames(parts);
}

torch::Tensor StreamingVaeDecoder::no_frames() const {
  const auto& config = vae_->config();
  if (!pending_.defined()) return torch::empty({0, config.out_channels, 0, 0, 0});
  const int64_t s = config.spatial_compression();
  return torch::empty(
      {pending_.size(0), config.out_channels, 0, pending_.size(3) * s, pending_.size(4) * s},
      pending_.options());
}

}  // namespace ditstream
