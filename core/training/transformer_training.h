#pragma once
// Trains CogVideoXTransformer3DModel with v-prediction on a latent dataset under the CogVideoX
// noise schedule, dropping captions (the "" prompt) for classifier-free guidance.

#include "core/training/shapes_data.h"
#include "core/training/vae_training.h"

#include <filesystem>

namespace ditstream {

class CogVideoXTransformer3DModel;
class NoiseSchedule;

struct TransformerTrainingOptions {
  int64_t steps = 16000;
  int64_t batch = 16;
  double learning_rate = 1e-3;
  int64_t warmup = 200;        // linear warm-up, then constant
  int64_t decay_steps = 4000;  // the last ones fall linearly to 0

  // Layout and motion are settled while alphas_cumprod < 0.1 (t >= 500 in CogVideoX's schedule),
  // so this share of each batch draws t from [high_noise_from, num_train_timesteps) and the rest
  // from the whole range.
  double high_noise_share = 0.5;
  int64_t high_noise_from = 500;
  // Motion is a small part of a latent clip (its deviation from the clip's mean over frames holds
  // under 3 % of the variance), so the loss adds this weight times the error's deviation too.
  double motion_weight = 8.0;
  double caption_dropout = 0.1;
  double weight_decay = 0.01;
  uint64_t seed = 2;
  int64_t checkpoint_every = 500;
};

// Resumes from state_dir/transformer/ and stops early when `budget` runs out.
TrainingSummary train_transformer(CogVideoXTransformer3DModel& transformer,
                                  const LatentDataset& data, const NoiseSchedule& schedule,
                                  const TransformerTrainingOptions& options,
                                  const std::filesystem::path& state_dir, TrainingBudget& budget);

// The v-prediction loss of one batch at the given timesteps and noise, exposed for tests: the
// mean squared error plus motion_weight times that of the error's deviation from its mean over
// frames.
torch::Tensor v_prediction_loss(const CogVideoXTransformer3DModel& transformer,
                                const torch::Tensor& latents, const torch::Tensor& embeddings,
                                const torch::Tensor& timesteps, const torch::Tensor& noise,
                                const NoiseSchedule& schedule, double motion_weight = 0.0);

}  // namespace ditstream
