#pragma once
// Resumable training state: DIR/NAME/ holds the fp32 weights (weights*.safetensors), the
// optimizer's state (optimizer.pt.000, .001, ...: torch::save's archive cut into parts) and
// progress.json (step, running loss, time, learning rate, loss curve). Every file stays under
// kMaxStateFileBytes so the state can be committed. Written to DIR/NAME.saving/ and swapped in
// by renames, so an interrupted save leaves the previous state intact. Batches and noise derive
// from (seed, step), so nothing else is needed to go on exactly.

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ditstream {

constexpr uint64_t kMaxStateFileBytes = 4'500'000;

struct CheckpointProgress {
  int64_t step = 0;
  double loss = 0.0;
  double seconds = 0.0;  // training time spent so far, over all resumptions
  double learning_rate = 0.0;
  std::vector<std::pair<int64_t, double>> curve;  // (step, mean loss since the previous point)
};

class TrainingCheckpoint {
 public:
  TrainingCheckpoint(std::filesystem::path dir, std::string name);

  void save(torch::nn::Module& module, torch::optim::Optimizer& optimizer,
            const CheckpointProgress& progress) const;
  // Restores module and optimizer when a checkpoint exists; nullopt otherwise.
  std::optional<CheckpointProgress> load(torch::nn::Module& module,
                                         torch::optim::Optimizer& optimizer) const;
  // The saved progress alone (nullopt without a checkpoint).
  std::optional<CheckpointProgress> progress() const;

 private:
  std::filesystem::path folder() const { return dir_ / name_; }

  std::filesystem::path dir_;
  std::string name_;
};

// Makes every parameter of `module` trainable (core's layers register them frozen).
void make_trainable(torch::nn::Module& module);

}  // namespace ditstream
