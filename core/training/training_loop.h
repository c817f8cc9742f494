#pragma once
// The loop both trainers share: resume from the checkpoint, then per step zero the gradients,
// compute the loss, back-propagate, clip the gradient norm to 1, update, report and save. A
// stage may end early (TrainingBudget); it saves the state so the next run goes on exactly.

#include "core/training/training_checkpoint.h"

#include <torch/types.h>

#include <chrono>
#include <functional>
#include <limits>
#include <optional>
#include <string>

namespace ditstream {

struct TrainingSummary {
  int64_t steps = 0;        // reached
  double final_loss = 0.0;  // running mean of the reported loss at the end
  double seconds = 0.0;     // over all resumptions
  int64_t first_step = 0;   // where this run started
  bool finished = false;    // reached the recipe's steps
};

// What one run may still spend; shared by the components a run trains one after another.
class TrainingBudget {
 public:
  TrainingBudget() = default;
  TrainingBudget(std::optional<int64_t> steps, std::optional<double> minutes);

  bool exhausted() const;
  void spend_step() { --steps_left_; }

 private:
  int64_t steps_left_ = std::numeric_limits<int64_t>::max();
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

// step_loss(step) returns (loss to minimise, value to report).
using StepLoss = std::function<std::pair<torch::Tensor, double>(int64_t step)>;

TrainingSummary run_training_loop(const std::string& label, torch::nn::Module& module,
                                  torch::optim::Optimizer& optimizer,
                                  const TrainingCheckpoint& checkpoint, int64_t steps,
                                  int64_t checkpoint_every, const StepLoss& step_loss,
                                  TrainingBudget& budget);

}  // namespace ditstream
