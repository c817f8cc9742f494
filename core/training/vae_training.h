#pragma once
// Trains AutoencoderKLCogVideoX (encoder and decoder) as a KL autoencoder on shapes-world clips.
// The decoder is trained through the runtime's own chunked decoding (decode_latents), so what it
// learns is what the stream's StreamingVaeDecoder computes.

#include "core/shapes/shapes_world.h"
#include "core/training/training_loop.h"

#include <filesystem>

namespace ditstream {

class AutoencoderKLCogVideoX;

struct VaeTrainingOptions {
  int64_t steps = 1500;
  int64_t batch = 3;
  // 5 latent frames: the decoder's first chunk (3) and a pair decoded from the caches; an odd
  // count, so the decoded length equals the clip's.
  int64_t clip_frames = 17;
  double learning_rate = 2e-3;
  double kl_weight = 1e-4;      // on the per-element KL
  double object_weight = 10.0;  // pixels off the clip's background colour count this much more
  uint64_t seed = 1;
  int64_t checkpoint_every = 250;
  // Trains the decoder alone (checkpoint "vae-decoder"): the encoder is frozen, so the latents a
  // transformer was trained on stay what they were.
  bool decoder_only = false;
};

// `vae` must have its encoder, and config().scaling_factor == 1 unless `decoder_only`. Resumes
// from state_dir/vae/ (vae-decoder/) and stops early when `budget` runs out.
TrainingSummary train_vae(AutoencoderKLCogVideoX& vae, const WorldGeometry& geometry,
                          const VaeTrainingOptions& options, const std::filesystem::path& state_dir,
                          TrainingBudget& budget);

// One step's loss terms, exposed for tests: total = weighted MSE + kl_weight KL (the MSE alone
// with `decoder_only`).
struct VaeLoss {
  torch::Tensor reconstruction;  // plain MSE
  torch::Tensor kl, total;
};
VaeLoss vae_loss(const AutoencoderKLCogVideoX& vae, const torch::Tensor& video,
                 const VaeTrainingOptions& options, torch::Generator& generator);

}  // namespace ditstream
