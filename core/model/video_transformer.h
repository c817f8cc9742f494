#pragma once
// What the generators need of a family's denoising transformer, without its headers: one
// prediction call in the stream's latent layout and the numbers that shape windows and controls.

#include "core/model/attention_control.h"

#include <torch/types.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace ditstream {

struct ModelGeometry {
  std::string family;  // "cogvideox" | "wan"
  int64_t latent_channels = 16;
  int64_t temporal_compression = 4;
  int64_t spatial_compression = 8;
  int64_t patch_size = 2;  // spatial
  int64_t num_layers = 0;
  int64_t text_length = 0;     // tokens of one prompt embedding
  int64_t latent_frames = 13;  // the family's window
  int64_t latent_height = 60;  // the default size, in latent rows and columns
  int64_t latent_width = 90;
  int64_t frame_rate = 8;  // frames per second the family's videos play at
};

class VideoTransformer {
 public:
  virtual ~VideoTransformer() = default;
  // latents (B, F, C, h, w) and text (B, L, D) in any dtype; t is the model timestep of every row.
  // Returns the prediction (B, F, C, h, w) in the model's dtype.
  virtual torch::Tensor predict(const torch::Tensor& latents, const torch::Tensor& text, double t,
                                const AttentionContext& ctx) const = 0;
  virtual const ModelGeometry& geometry() const = 0;

  // Causal chunked generation: the latents' first frame gets RoPE frame position `first_frame`,
  // and t may be fractional (937.5). Families without a causal path throw.
  virtual torch::Tensor predict_chunk(const torch::Tensor& latents, const torch::Tensor& text,
                                      double t, int64_t first_frame,
                                      const AttentionContext& ctx) const {
    (void)latents, (void)text, (void)t, (void)first_frame, (void)ctx;
    throw std::runtime_error(geometry().family + " models have no causal chunked path");
  }
  // Self-attention keys (B, heads, S, head_dim) as the hook receives them, moved by `frames`
  // temporal RoPE positions (a relative-position cache after eviction).
  virtual torch::Tensor shift_key_frames(const torch::Tensor& keys, int64_t frames) const {
    (void)keys, (void)frames;
    throw std::runtime_error(geometry().family + " models have no causal chunked path");
  }
};

}  // namespace ditstream
