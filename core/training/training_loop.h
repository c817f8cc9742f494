#pragma once
// The loop both trainers share: resume from the checkpoint, then per step zero the gradients,
// compute the loss, back-propagate, clip the gradient norm to 1, update, report and save.

#include "core/training/training_checkpoint.h"

#include <torch/types.h>

#include <functional>
#include <string>

namespace ditstream {

struct TrainingSummary {
  int64_t steps = 0;
  double final_loss = 0.0;  // running mean of the reported loss at the end
  double seconds = 0.0;     // over all resumptions
};

// step_loss(step) returns (loss to minimise, value to report).
using StepLoss = std::function<std::pair<torch::Tensor, double>(int64_t step)>;

TrainingSummary run_training_loop(const std::string& label, torch::nn::Module& module,
                                  torch::optim::Optimizer& optimizer,
                                  const TrainingCheckpoint& checkpoint, int64_t steps,
                                  int64_t checkpoint_every, const StepLoss& step_loss);

}  // namespace ditstream
