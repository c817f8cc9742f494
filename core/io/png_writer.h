#pragma once
// Writes one uint8 RGB frame (H, W, 3) as a PNG file.

#include <torch/types.h>

#include <filesystem>

namespace ditstream {

void write_png(const std::filesystem::path& path, const torch::Tensor& rgb);

}  // namespace ditstream
