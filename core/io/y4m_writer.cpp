#include "core/io/y4m_writer.h"

#include <torch/torch.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ditstream {

torch::Tensor rgb_to_ycbcr444(const torch::Tensor& rgb) {
  const auto m =
      torch::tensor(
          {{65.481, 128.553, 24.966}, {-37.797, -74.203, 112.0}, {112.0, -93.786, -18.214}},
          torch::kFloat) /
      255.0;
  const auto offset = torch::tensor({16.0, 128.0, 128.0}, torch::kFloat);
  const auto ycc = torch::matmul(rgb.to(torch::kFloat), m.t()) + offset;
  return ycc.round().clamp(0, 255).to(torch::kUInt8).permute({0, 3, 1, 2}).contiguous();
}

Y4mWriter::Y4mWriter(const std::filesystem::path& path, int64_t width, int64_t height, int fps_num,
                     int fps_den)
    : path_(path), width_(width), height_(height) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw std::runtime_error(path.string() + ": cannot create: " + std::strerror(errno));
  std::fprintf(file_, "YUV4MPEG2 W%lld H%lld F%d:%d Ip A1:1 C444\n", static_cast<long long>(width),
               static_cast<long long>(height), fps_num, fps_den);
}

Y4mWriter::~Y4mWriter() {
  if (file_) std::fclose(file_);
}

void Y4mWriter::write(const torch::Tensor& frames) {
  const auto batch = frames.dim() == 3 ? frames.unsqueeze(0) : frames;
  if (batch.dim() != 4 || batch.size(1) != height_ || batch.size(2) != width_ ||
      batch.size(3) != 3 || batch.scalar_type() != torch::kUInt8)
    throw std::runtime_error(path_.string() + ": frames must be uint8 (T, " +
                             std::to_string(height_) + ", " + std::to_string(width_) + ", 3)");
  const auto planes = rgb_to_ycbcr444(batch.cpu());
  for (int64_t t = 0; t < planes.size(0); ++t) {
    std::fputs("FRAME\n", file_);
    const auto frame = planes[t];
    if (std::fwrite(frame.data_ptr<uint8_t>(), 1, frame.numel(), file_) !=
        static_cast<size_t>(frame.numel()))
      throw std::runtime_error(path_.string() + ": write failed: " + std::strerror(errno));
  }
}

void Y4mWriter::close() {
  if (file_ && std::fclose(file_) != 0)
    throw std::runtime_error(path_.string() + ": close failed: " + std::strerror(errno));
  file_ = nullptr;
}

}  // namespace ditstream
