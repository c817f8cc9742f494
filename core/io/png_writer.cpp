#include "core/io/png_writer.h"

#include <png.h>
#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {

void write_png(const std::filesystem::path& path, const torch::Tensor& rgb) {
  if (rgb.dim() != 3 || rgb.size(2) != 3 || rgb.scalar_type() != torch::kUInt8)
    throw std::runtime_error(path.string() + ": a PNG frame must be uint8 (H, W, 3)");
  const auto pixels = rgb.cpu().contiguous();
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(pixels.size(1));
  image.height = static_cast<png_uint_32>(pixels.size(0));
  image.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&image, path.c_str(), 0, pixels.data_ptr<uint8_t>(), 0, nullptr))
    throw std::runtime_error(path.string() + ": " + image.message);
}

}  // namespace ditstream
