#include "core/training/training_loop.h"

#include "core/training/progress_bar.h"

#include <torch/torch.h>

#include <chrono>

namespace ditstream {

TrainingSummary run_training_loop(const std::string& label, torch::nn::Module& module,
                                  torch::optim::Optimizer& optimizer,
                                  const TrainingCheckpoint& checkpoint, int64_t steps,
                                  int64_t checkpoint_every, const StepLoss& step_loss) {
  make_trainable(module);
  CheckpointProgress progress = checkpoint.load(module, optimizer).value_or(CheckpointProgress{});
  ProgressBar bar(label, steps, progress.step);
  const auto began = std::chrono::steady_clock::now();
  const double seconds_before = progress.seconds;
  while (progress.step < steps) {
    optimizer.zero_grad();
    auto [loss, reported] = step_loss(progress.step);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(module.parameters(), 1.0);
    optimizer.step();
    bar.update(++progress.step, reported);
    progress.loss = bar.mean_loss();
    progress.seconds =
        seconds_before +
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (progress.step % checkpoint_every == 0 || progress.step == steps)
      checkpoint.save(module, optimizer, progress);
  }
  bar.finish();
  return {progress.step, progress.loss, progress.seconds};
}

}  // namespace ditstream
