#include "core/io/safetensors_shards.h"

#include "core/io/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace ditstream {
namespace {

using Tensors = std::vector<std::pair<std::string, torch::Tensor>>;

uint64_t byte_size(const torch::Tensor& t) { return t.numel() * t.element_size(); }

// Greedy in name order; the header's few hundred bytes per tensor are budgeted with the data.
std::vector<Tensors> group_by_size(Tensors tensors, uint64_t max_bytes) {
  std::sort(tensors.begin(), tensors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Tensors> shards(1);
  uint64_t used = 0;
  for (auto& named : tensors) {
    const uint64_t bytes = byte_size(named.second) + 256 + named.first.size();
    if (bytes > max_bytes)
      throw std::invalid_argument("tensor '" + named.first + "' alone exceeds the shard size");
    if (used + bytes > max_bytes && !shards.back().empty()) shards.emplace_back(), used = 0;
    shards.back().push_back(std::move(named));
    used += bytes;
  }
  return shards;
}

std::string shard_name(const std::string& stem, size_t k, size_t n) {
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "-%05zu-of-%05zu", k + 1, n);
  return stem + suffix + ".safetensors";
}

}  // namespace

void write_safetensors_shards(const std::filesystem::path& dir, const std::string& stem,
                              const Tensors& tensors, uint64_t max_bytes,
                              const std::map<std::string, std::string>& metadata) {
  const auto shards = group_by_size(tensors, max_bytes);
  if (shards.size() == 1)
    return write_safetensors(dir / (stem + ".safetensors"), shards[0], metadata);
  nlohmann::json index{{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  uint64_t total = 0;
  for (size_t k = 0; k < shards.size(); ++k) {
    const std::string file = shard_name(stem, k, shards.size());
    write_safetensors(dir / file, shards[k], metadata);
    for (const auto& [name, t] : shards[k]) index["weight_map"][name] = file, total += byte_size(t);
  }
  index["metadata"]["total_size"] = total;
  std::ofstream(dir / (stem + ".safetensors.index.json")) << index.dump(2) << "\n";
}

}  // namespace ditstream
