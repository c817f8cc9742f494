#pragma once
// Writes weights as diffusers shards: STEM.safetensors when they fit one file of `max_bytes`,
// otherwise STEM-0000k-of-0000n.safetensors and STEM.safetensors.index.json (what
// Checkpoint::open(dir, STEM) reads back). Used where files must stay small (committed folders).

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ditstream {

void write_safetensors_shards(const std::filesystem::path& dir, const std::string& stem,
                              const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                              uint64_t max_bytes,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace ditstream
