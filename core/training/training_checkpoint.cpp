#include "core/training/training_checkpoint.h"

#include "core/io/checkpoint.h"
#include "core/io/module_loader.h"
#include "core/io/safetensors_shards.h"
#include "core/training/model_recipe.h"

#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace ditstream {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path part_path(const fs::path& dir, size_t k) {
  char name[32];
  std::snprintf(name, sizeof name, "optimizer.pt.%03zu", k);
  return dir / name;
}

void write_optimizer(torch::optim::Optimizer& optimizer, const fs::path& dir) {
  std::ostringstream archive;
  torch::save(optimizer, archive);
  const std::string bytes = archive.str();
  for (size_t k = 0; k * kMaxStateFileBytes < bytes.size(); ++k) {
    std::ofstream out(part_path(dir, k), std::ios::binary);
    out << bytes.substr(k * kMaxStateFileBytes, kMaxStateFileBytes);
    if (!out) throw std::runtime_error(part_path(dir, k).string() + ": write failed");
  }
}

void read_optimizer(torch::optim::Optimizer& optimizer, const fs::path& dir) {
  std::string bytes;
  for (size_t k = 0; fs::exists(part_path(dir, k)); ++k) {
    std::ifstream in(part_path(dir, k), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), {});
  }
  if (bytes.empty()) throw std::runtime_error(part_path(dir, 0).string() + ": missing");
  std::istringstream archive(bytes);
  torch::load(optimizer, archive);
}

json progress_json(const CheckpointProgress& p) {
  return {{"step", p.step},
          {"loss", p.loss},
          {"seconds", p.seconds},
          {"learning_rate", p.learning_rate},
          {"curve", p.curve}};
}

}  // namespace

TrainingCheckpoint::TrainingCheckpoint(fs::path dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)) {}

void TrainingCheckpoint::save(torch::nn::Module& module, torch::optim::Optimizer& optimizer,
                              const CheckpointProgress& progress) const {
  const fs::path saving = dir_ / (name_ + ".saving"), old = dir_ / (name_ + ".old");
  fs::remove_all(saving);
  fs::create_directories(saving);
  write_safetensors_shards(saving, "weights", module_state(module), kMaxStateFileBytes,
                           {{"format", "pt"}});
  write_optimizer(optimizer, saving);
  write_json(saving / "progress.json", progress_json(progress));
  fs::remove_all(old);
  if (fs::exists(folder())) fs::rename(folder(), old);
  fs::rename(saving, folder());  // the new state is complete
  fs::remove_all(old);
}

std::optional<CheckpointProgress> TrainingCheckpoint::progress() const {
  const fs::path file = folder() / "progress.json";
  if (!fs::exists(file)) return std::nullopt;
  const auto j = json::parse(std::ifstream(file));
  return CheckpointProgress{j.at("step").get<int64_t>(), j.at("loss").get<double>(),
                            j.value("seconds", 0.0), j.value("learning_rate", 0.0),
                            j.value("curve", std::vector<std::pair<int64_t, double>>{})};
}

std::optional<CheckpointProgress> TrainingCheckpoint::load(
    torch::nn::Module& module, torch::optim::Optimizer& optimizer) const {
  auto saved = progress();
  if (!saved) return saved;
  load_module(module, Checkpoint::open(folder(), "weights"),
              LoadOptions{torch::TensorOptions(torch::kFloat), {}, {}});
  read_optimizer(optimizer, folder());
  return saved;
}

void make_trainable(torch::nn::Module& module) {
  for (auto& p : module.parameters()) p.set_requires_grad(true);
}

}  // namespace ditstream
