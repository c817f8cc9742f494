#pragma once
// What the generators need of a family's VAE, without its headers: a whole-clip decode and
// per-stream incremental decoders that reproduce it frame for frame.

#include <torch/types.h>

#include <cstdint>
#include <memory>

namespace ditstream {

// One stream's decoding state (caches, buffered latents); bounded however long the stream runs.
class LatentDecoder {
 public:
  virtual ~LatentDecoder() = default;
  // latents (B, F, C, h, w) as the denoiser leaves them, any F >= 0. Returns the video frames that
  // are ready, (B, 3, T, H, W) in [-1, 1], possibly T = 0.
  virtual torch::Tensor push(const torch::Tensor& latents) = 0;
  // Decodes what is left; the next push starts a new stream.
  virtual torch::Tensor flush() = 0;
};

class VideoVae {
 public:
  virtual ~VideoVae() = default;
  // latents (B, F, C, h, w) -> (B, 3, T, H, W) in [-1, 1], as the family's pipeline decodes.
  virtual torch::Tensor decode(const torch::Tensor& latents) const = 0;
  // A decoder for a stream of windows of `window_frames` latent frames, equal to decode() of the
  // concatenated latents.
  virtual std::unique_ptr<LatentDecoder> stream_decoder(int64_t window_frames) const = 0;
};

}  // namespace ditstream
