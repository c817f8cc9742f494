#pragma once
// Incremental VAE decoding: latent frames go in as they become available, pixel frames come out
// in exactly the reference chunk schedule (a first chunk, then pairs, conv caches carried), so
// the result equals one decode of the whole sequence with the same first chunk, bit for bit.

#include "core/model/cogvideox/causal_conv3d.h"
#include "core/model/cogvideox/vae_decoder.h"

#include <torch/types.h>

#include <memory>

namespace ditstream {

class StreamingVaeDecoder {
 public:
  explicit StreamingVaeDecoder(std::shared_ptr<const AutoencoderKLCogVideoX> vae,
                               int64_t first_chunk_frames = 3);

  // z: (B, latent_channels, F, h, w), already multiplied by 1/scaling_factor; any F >= 0.
  // Returns the frames that are ready, (B, out_channels, T, h*8, w*8), possibly T = 0.
  torch::Tensor push(const torch::Tensor& z);
  // Decodes what is left (a short first chunk, or a last single frame) and starts a new stream.
  torch::Tensor flush();
  // Drops buffered frames and caches; the next push starts a new stream.
  void reset();
  int64_t pending_frames() const;

 private:
  void check_input(const torch::Tensor& z) const;
  torch::Tensor decode_ready(bool final);
  torch::Tensor take_chunk(int64_t frames);
  torch::Tensor no_frames() const;

  std::shared_ptr<const AutoencoderKLCogVideoX> vae_;
  int64_t first_chunk_frames_;
  DecoderState state_;
  torch::Tensor pending_;  // (B, C, F, h, w) latent frames not decoded yet; undefined when none
  bool first_chunk_done_ = false;
};

}  // namespace ditstream
