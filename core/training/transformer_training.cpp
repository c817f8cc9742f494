#include "core/training/transformer_training.h"

#include "core/model/cogvideox/transformer.h"
#include "core/sampling/noise_schedule.h"

#include <torch/torch.h>

#include <algorithm>

namespace ditstream {
namespace {

double learning_rate_at(const TransformerTrainingOptions& o, int64_t step) {
  const double warm = static_cast<double>(step + 1) / o.warmup;
  const auto decay = std::clamp<int64_t>(o.decay_steps, 1, std::max<int64_t>(o.steps, 1));
  const double left = static_cast<double>(o.steps - step) / decay;
  return o.learning_rate * std::min({1.0, warm, left});
}

// alphas_cumprod[t] broadcast over (B, F, C, h, w).
torch::Tensor alpha_bar(const NoiseSchedule& schedule, const torch::Tensor& timesteps) {
  const auto& table = schedule.alphas_cumprod();
  const auto all = torch::tensor(std::vector<double>(table.begin(), table.end()),
                                 torch::dtype(torch::kDouble).device(timesteps.device()));
  return all.index_select(0, timesteps).to(torch::kFloat).view({-1, 1, 1, 1, 1});
}

struct Batch {
  torch::Tensor latents, embeddings, timesteps, noise;
};

// Drawn on the CPU from (seed, step), then moved: every device trains on the same batches.
Batch draw_batch(const LatentDataset& data, const TransformerTrainingOptions& o,
                 const NoiseSchedule& schedule, torch::Generator& gen, torch::Device device) {
  const auto index = torch::randint(data.latents.size(0), {o.batch}, gen, torch::kLong);
  Batch b{data.latents.index_select(0, index), data.embeddings.index_select(0, index), {}, {}};
  const auto drop = torch::rand({o.batch}, gen) < o.caption_dropout;
  b.embeddings = torch::where(drop.view({-1, 1, 1}), data.empty_embedding, b.embeddings);
  const int64_t n = schedule.num_train_timesteps();
  const auto high = torch::rand({o.batch}, gen) < o.high_noise_share;
  b.timesteps =
      torch::where(high, torch::randint(o.high_noise_from, n, {o.batch}, gen, torch::kLong),
                   torch::randint(n, {o.batch}, gen, torch::kLong));
  b.noise = torch::randn(b.latents.sizes(), gen);
  return {b.latents.to(device), b.embeddings.to(device), b.timesteps.to(device),
          b.noise.to(device)};
}

}  // namespace

torch::Tensor v_prediction_loss(const CogVideoXTransformer3DModel& transformer,
                                const torch::Tensor& latents, const torch::Tensor& embeddings,
                                const torch::Tensor& timesteps, const torch::Tensor& noise,
                                const NoiseSchedule& schedule, double motion_weight) {
  const auto a = alpha_bar(schedule, timesteps);
  const auto noisy = a.sqrt() * latents + (1 - a).sqrt() * noise;
  const auto target = a.sqrt() * noise - (1 - a).sqrt() * latents;
  const auto error = transformer.forward(noisy, embeddings, timesteps) - target;
  const auto motion_error = error - error.mean(1, true);
  return error.square().mean() + motion_weight * motion_error.square().mean();
}

TrainingSummary train_transformer(CogVideoXTransformer3DModel& transformer,
                                  const LatentDataset& data, const NoiseSchedule& schedule,
                                  const TransformerTrainingOptions& o,
                                  const std::filesystem::path& state_dir, TrainingBudget& budget) {
  torch::optim::AdamW optimizer(
      transformer.parameters(),
      torch::optim::AdamWOptions(o.learning_rate).weight_decay(o.weight_decay));
  auto generator = at::detail::createCPUGenerator(o.seed);
  const auto device = transformer.parameters().front().device();
  return run_training_loop(
      "transformer", transformer, optimizer, TrainingCheckpoint(state_dir, "transformer"), o.steps,
      o.checkpoint_every,
      [&](int64_t step) {
        generator.set_current_seed(o.seed * 1000003 + step);
        for (auto& group : optimizer.param_groups())
          group.options().set_lr(learning_rate_at(o, step));
        const Batch b = draw_batch(data, o, schedule, generator, device);
        auto loss = v_prediction_loss(transformer, b.latents, b.embeddings, b.timesteps, b.noise,
                                      schedule, o.motion_weight);
        return std::make_pair(loss, loss.item<double>());
      },
      budget);
}

}  // namespace ditstream
