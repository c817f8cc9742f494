#pragma once
// Training data from the shapes world: pixel batches for the VAE, and a latent dataset (frozen
// VAE latents with frozen T5 caption embeddings) for the transformer.

#include "core/shapes/shapes_world.h"

#include <torch/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ditstream {

class AutoencoderKLCogVideoX;

// Clips [first, first + count) of the stream of training clips drawn from `seed` (never a
// held-out caption).
std::vector<ClipSpec> training_clips(uint64_t seed, int64_t first, int64_t count,
                                     const WorldGeometry& geometry);
// (T, H, W, 3) uint8 frames -> (3, T, H, W) float in [-1, 1].
torch::Tensor to_model_video(const torch::Tensor& frames);
// The clips rendered, (N, 3, T, H, W) in [-1, 1].
torch::Tensor video_batch(const std::vector<ClipSpec>& clips, const WorldGeometry& geometry);

// The world a demo model was trained on, kept beside its weights as MODEL/shapes_world.json
// (radius, speeds, wrap; the size and length come from the model's config).
void write_world(const std::filesystem::path& model_dir, const WorldGeometry& geometry);
// Reads it back into `geometry` (which holds the model's size); without the file, the v1 world.
WorldGeometry read_world(const std::filesystem::path& model_dir, WorldGeometry geometry);

// Encodes captions to (N, L, D) text embeddings (the frozen T5 of the model).
using TextEncoder = std::function<torch::Tensor(const std::vector<std::string>& captions)>;

struct LatentDataset {
  torch::Tensor latents;          // (N, F, C, h, w), scaled by the VAE's scaling_factor
  torch::Tensor embeddings;       // (N, L, D)
  torch::Tensor empty_embedding;  // (1, L, D): the "" prompt, for caption dropout
};

// Encodes `count` training clips (posterior means) with the VAE and their captions with `text`.
LatentDataset build_latent_dataset(const AutoencoderKLCogVideoX& vae, const TextEncoder& text,
                                   uint64_t seed, int64_t count, const WorldGeometry& geometry);

}  // namespace ditstream
