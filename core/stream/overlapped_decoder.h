#pragma once
// A chunk's decode overlapping the next chunk's denoising: push() starts decoding the latents on
// a thread of their own (on CUDA on a stream from the pool, after the stream that made them) and
// returns what the previous push decoded, so frames come one push later and the generator never
// waits for the VAE while it has a chunk or window to denoise. The frames equal the wrapped
// decoder's.

#include "core/model/video_vae.h"

#include <torch/types.h>

#include <future>
#include <memory>

namespace ditstream {

class OverlappedDecoder : public LatentDecoder {
 public:
  OverlappedDecoder(std::unique_ptr<LatentDecoder> decoder, torch::Device device);
  ~OverlappedDecoder() override;  // waits for the decode in flight

  // Starts decoding `latents` (B, F, C, h, w); returns the previous push's frames (B, 3, T, H, W),
  // undefined at the first push. Rethrows the previous decode's error.
  torch::Tensor push(const torch::Tensor& latents) override;
  // The last push's frames, then what the decoder still holds.
  torch::Tensor flush() override;

 private:
  torch::Tensor wait();
  torch::Tensor decode(const torch::Tensor& latents, const c10::Stream& producer);

  std::unique_ptr<LatentDecoder> decoder_;
  torch::Device device_;
  std::future<torch::Tensor> pending_;
};

struct PipelineComponents;
// The family's stream decoder for windows of `window_frames` latent frames, overlapped or not.
std::unique_ptr<LatentDecoder> stream_decoder(const PipelineComponents& components,
                                              int64_t window_frames, bool overlap);

}  // namespace ditstream
