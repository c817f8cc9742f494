#pragma once
// Resumable training state in a work folder: NAME.safetensors (fp32 weights), NAME.optimizer.pt
// (Adam moments) and NAME.json (the step reached and the running loss). Written to temporary
// names and renamed, so an interrupted save leaves the previous checkpoint intact.

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <filesystem>
#include <optional>
#include <string>

namespace ditstream {

struct CheckpointProgress {
  int64_t step = 0;
  double loss = 0.0;
  double seconds = 0.0;  // training time spent so far, over all resumptions
};

class TrainingCheckpoint {
 public:
  TrainingCheckpoint(std::filesystem::path dir, std::string name);

  void save(torch::nn::Module& module, torch::optim::Optimizer& optimizer,
            const CheckpointProgress& progress) const;
  // Restores module and optimizer when a checkpoint exists; nullopt otherwise.
  std::optional<CheckpointProgress> load(torch::nn::Module& module,
                                         torch::optim::Optimizer& optimizer) const;

 private:
  std::filesystem::path path(const std::string& suffix) const;

  std::filesystem::path dir_;
  std::string name_;
};

// Makes every parameter of `module` trainable (core's layers register them frozen).
void make_trainable(torch::nn::Module& module);

}  // namespace ditstream
