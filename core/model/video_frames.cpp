#include "core/model/video_frames.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {

torch::Tensor postprocess_video(const torch::Tensor& decoded) {
  if (decoded.dim() != 5)
    throw std::invalid_argument("postprocess_video: expected (B, 3, F, H, W), got " +
                                c10::str(decoded.sizes()));
  return (decoded.permute({0, 2, 1, 3, 4}) * 0.5 + 0.5).clamp(0, 1).to(torch::kFloat32);
}

torch::Tensor to_uint8_rgb(const torch::Tensor& frames01) {
  if (frames01.dim() != 5)
    throw std::invalid_argument("to_uint8_rgb: expected (B, F, 3, H, W), got " +
                                c10::str(frames01.sizes()));
  return (frames01.to(torch::kFloat32) * 255)
      .round()
      .to(torch::kUInt8)
      .permute({0, 1, 3, 4, 2})
      .contiguous();
}

}  // namespace ditstream
