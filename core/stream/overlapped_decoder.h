#pragma once
// A chunk's decode overlapping the next chunk's denoising: push() starts decoding the latents on
// a thread of their own (on CUDA on a stream from the pool, after the stream that made them) and
// returns what the previous push decoded, so frames come one chunk later and the generator never
// waits for the VAE while it has a chunk to denoise. The frames equal the wrapped decoder's.

#include "core/model/video_vae.h"

#include <torch/types.h>

#include <future>
#include <memory>

namespace ditstream {

class OverlappedDecoder {
 public:
  OverlappedDecoder(std::unique_ptr<LatentDecoder> decoder, torch::Device device);
  ~OverlappedDecoder();  // waits for the decode in flight

  // Starts decoding `latents` (B, F, C, h, w); returns the previous push's frames (B, 3, T, H, W),
  // undefined at the first push. Rethrows the previous decode's error.
  torch::Tensor push(const torch::Tensor& latents);
  // The last push's frames, then what the decoder still holds.
  torch::Tensor flush();

 private:
  torch::Tensor wait();
  torch::Tensor decode(const torch::Tensor& latents, const c10::Stream& producer);

  std::unique_ptr<LatentDecoder> decoder_;
  torch::Device device_;
  std::future<torch::Tensor> pending_;
};

}  // namespace ditstream
