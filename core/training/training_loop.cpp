#include "core/training/training_loop.h"

#include "core/training/progress_bar.h"

#include <torch/torch.h>

namespace ditstream {

namespace {

using Clock = std::chrono::steady_clock;

// Mean reported loss since the previous curve point.
class CurveInterval {
 public:
  void add(double loss) { sum_ += loss, ++count_; }
  void close(CheckpointProgress& p) {
    if (count_ > 0) p.curve.emplace_back(p.step, sum_ / static_cast<double>(count_));
    sum_ = 0.0, count_ = 0;
  }

 private:
  double sum_ = 0.0;
  int64_t count_ = 0;
};

}  // namespace

TrainingBudget::TrainingBudget(std::optional<int64_t> steps, std::optional<double> minutes) {
  if (steps) steps_left_ = *steps;
  if (minutes)
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(*minutes * 60.0));
}

bool TrainingBudget::exhausted() const {
  return steps_left_ <= 0 || (deadline_ && Clock::now() >= *deadline_);
}

TrainingSummary run_training_loop(const std::string& label, torch::nn::Module& module,
                                  torch::optim::Optimizer& optimizer,
                                  const TrainingCheckpoint& checkpoint, int64_t steps,
                                  int64_t checkpoint_every, const StepLoss& step_loss,
                                  TrainingBudget& budget) {
  make_trainable(module);
  CheckpointProgress progress = checkpoint.load(module, optimizer).value_or(CheckpointProgress{});
  const int64_t first_step = progress.step;
  ProgressBar bar(label, steps, progress.step);
  const auto began = Clock::now();
  const double seconds_before = progress.seconds;
  CurveInterval interval;
  while (progress.step < steps && !budget.exhausted()) {
    optimizer.zero_grad();
    auto [loss, reported] = step_loss(progress.step);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(module.parameters(), 1.0);
    optimizer.step();
    budget.spend_step();
    interval.add(reported);
    bar.update(++progress.step, reported);
    progress.loss = bar.mean_loss();
    progress.seconds = seconds_before + std::chrono::duration<double>(Clock::now() - began).count();
    progress.learning_rate = optimizer.param_groups().front().options().get_lr();
    const bool stage_ends = progress.step == steps || budget.exhausted();
    if (progress.step % checkpoint_every == 0 || stage_ends) {
      interval.close(progress);
      checkpoint.save(module, optimizer, progress);
    }
  }
  // A stage that ran out before its first step still leaves a state, so the next one resumes.
  if (progress.step == first_step && progress.step < steps)
    checkpoint.save(module, optimizer, progress);
  bar.finish(progress.step);
  return {progress.step, progress.loss, progress.seconds, first_step, progress.step >= steps};
}

}  // namespace ditstream
