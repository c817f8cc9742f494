#include "core/io/checkpoint.h"

#include "core/io/json_config.h"

#include <stdexcept>

namespace ditstream {

Checkpoint Checkpoint::open(const std::filesystem::path& dir, const std::string& stem) {
  const auto single = dir / (stem + ".safetensors");
  const auto index = dir / (stem + ".safetensors.index.json");
  if (std::filesystem::exists(single)) return open_file(single);
  if (std::filesystem::exists(index)) return open_index(index);
  throw std::runtime_error(dir.string() + ": no weights: expected " + single.filename().string() +
                           " or " + index.filename().string());
}

Checkpoint Checkpoint::open_file(const std::filesystem::path& file) {
  Checkpoint c;
  c.files_.push_back(std::make_shared<SafetensorsFile>(file));
  for (const auto& e : c.files_[0]->entries()) c.owner_[e.name] = 0;
  c.description_ = file.string();
  return c;
}

Checkpoint Checkpoint::open_index(const std::filesystem::path& index_json) {
  const JsonConfig index = JsonConfig::load(index_json);
  const auto weight_map = index.get<std::map<std::string, std::string>>("weight_map");
  Checkpoint c;
  c.description_ = index_json.string();
  std::map<std::string, size_t> shard_of_file;
  for (const auto& [name, shard] : weight_map) {
    if (!shard_of_file.count(shard)) {
      shard_of_file[shard] = c.files_.size();
      c.files_.push_back(std::make_shared<SafetensorsFile>(index_json.parent_path() / shard));
    }
    const size_t i = shard_of_file[shard];
    if (!c.files_[i]->contains(name))
      throw std::runtime_error(index_json.string() + ": tensor '" + name + "' is listed in shard " +
                               shard + " but that file does not hold it");
    c.owner_[name] = i;
  }
  for (const auto& file : c.files_)
    for (const auto& e : file->entries())
      if (!c.owner_.count(e.name))
        throw std::runtime_error(file->path().string() + ": tensor '" + e.name +
                                 "' is not listed in " + index_json.filename().string());
  return c;
}

Checkpoint Checkpoint::from_tensors(std::map<std::string, torch::Tensor> tensors,
                                    std::string description) {
  Checkpoint c;
  c.description_ = std::move(description);
  for (auto& [name, tensor] : tensors) {
    TensorEntry e{name, safetensors_dtype_name(tensor.scalar_type()), tensor.sizes().vec(), 0,
                  static_cast<uint64_t>(tensor.numel() * tensor.element_size())};
    c.in_memory_.emplace(name, std::make_pair(std::move(e), std::move(tensor)));
  }
  return c;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : owner_) out.push_back(name);
  for (const auto& [name, _] : in_memory_) out.push_back(name);
  return out;
}

bool Checkpoint::contains(const std::string& name) const {
  return owner_.count(name) > 0 || in_memory_.count(name) > 0;
}

const TensorEntry& Checkpoint::entry(const std::string& name) const {
  if (const auto m = in_memory_.find(name); m != in_memory_.end()) return m->second.first;
  auto it = owner_.find(name);
  if (it == owner_.end())
    throw std::runtime_error(description_ + ": no tensor named '" + name + "'");
  return files_[it->second]->entry(name);
}

torch::Tensor Checkpoint::tensor(const std::string& name) const {
  if (const auto m = in_memory_.find(name); m != in_memory_.end()) return m->second.second;
  entry(name);
  return files_[owner_.at(name)]->tensor(name);
}

std::string Checkpoint::describe() const { return description_; }

}  // namespace ditstream
