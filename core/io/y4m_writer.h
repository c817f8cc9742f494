#pragma once
// Writes uint8 RGB frames as a YUV4MPEG2 (.y4m) file, 4:4:4 BT.601 limited range.

#include <torch/types.h>

#include <cstdio>
#include <filesystem>

namespace ditstream {

class Y4mWriter {
 public:
  Y4mWriter(const std::filesystem::path& path, int64_t width, int64_t height, int fps_num,
            int fps_den);
  ~Y4mWriter();
  Y4mWriter(const Y4mWriter&) = delete;
  Y4mWriter& operator=(const Y4mWriter&) = delete;

  // frames: (H, W, 3) or (T, H, W, 3) uint8 RGB.
  void write(const torch::Tensor& frames);
  void close();

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  int64_t width_, height_;
};

// (T, H, W, 3) uint8 RGB -> (T, 3, H, W) uint8 Y, Cb, Cr planes (BT.601, limited range).
torch::Tensor rgb_to_ycbcr444(const torch::Tensor& rgb);

}  // namespace ditstream
