#include "core/training/training_checkpoint.h"

#include "core/io/checkpoint.h"
#include "core/io/module_loader.h"
#include "core/io/safetensors.h"
#include "core/training/model_recipe.h"

#include <torch/torch.h>

#include <fstream>

namespace ditstream {

namespace fs = std::filesystem;

TrainingCheckpoint::TrainingCheckpoint(fs::path dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)) {}

fs::path TrainingCheckpoint::path(const std::string& suffix) const {
  return dir_ / (name_ + suffix);
}

void TrainingCheckpoint::save(torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                              const CheckpointProgress& progress) const {
  fs::create_directories(dir_);
  write_safetensors(path(".tmp.safetensors"), module_state(module), {{"format", "pt"}});
  torch::save(optimizer, path(".optimizer.tmp.pt").string());
  write_json(path(".tmp.json"),
             {{"step", progress.step}, {"loss", progress.loss}, {"seconds", progress.seconds}});
  fs::rename(path(".tmp.safetensors"), path(".safetensors"));
  fs::rename(path(".optimizer.tmp.pt"), path(".optimizer.pt"));
  fs::rename(path(".tmp.json"), path(".json"));  // last: the checkpoint is complete
}

std::optional<CheckpointProgress> TrainingCheckpoint::load(
    torch::nn::Module& module, torch::optim::Optimizer& optimizer) const {
  if (!fs::exists(path(".json"))) return std::nullopt;
  const auto state = nlohmann::json::parse(std::ifstream(path(".json")));
  load_module(module, Checkpoint::open_file(path(".safetensors")),
              LoadOptions{torch::TensorOptions(torch::kFloat), {}, {}});
  torch::load(optimizer, path(".optimizer.pt").string());
  return CheckpointProgress{state.at("step").get<int64_t>(), state.at("loss").get<double>(),
                            state.value("seconds", 0.0)};
}

void make_trainable(torch::nn::Module& module) {
  for (auto& p : module.parameters()) p.set_requires_grad(true);
}

}  // namespace ditstream
