#include "core/model/wan/causal_conv3d.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace ditstream {
namespace {

constexpr int64_t kCacheFrames = 2;  // diffusers' CACHE_T

}  // namespace

WanCacheSlot& WanVaeState::slot(int64_t index) {
  if (index < 0 || index >= static_cast<int64_t>(slots.size()))
    throw std::out_of_range("WanVaeState: no cache slot " + std::to_string(index) + " (state has " +
                            std::to_string(slots.size()) + ")");
  return slots[index];
}

int64_t WanVaeState::cached_tensors() const {
  int64_t n = 0;
  for (const auto& s : slots) n += s.frames.defined() ? 1 : 0;
  return n;
}

int64_t WanVaeState::cached_elements() const {
  int64_t n = 0;
  for (const auto& s : slots) n += s.frames.defined() ? s.frames.numel() : 0;
  return n;
}

torch::Tensor wan_next_cache(const torch::Tensor& input, const torch::Tensor& previous) {
  const int64_t t = input.size(2);
  const int64_t keep = std::min(t, kCacheFrames);
  // clone: a view would keep the whole input alive until the next call.
  torch::Tensor tail = input.narrow(2, t - keep, keep).clone();
  if (keep >= kCacheFrames || !previous.defined()) return tail;
  return torch::cat({previous.narrow(2, previous.size(2) - 1, 1).to(tail.device()), tail}, 2);
}

WanCausalConv3d::WanCausalConv3d(int64_t in, int64_t out, std::vector<int64_t> kernel,
                                 std::vector<int64_t> stride, std::vector<int64_t> padding,
                                 WanCacheLayout* layout, const torch::TensorOptions& options)
    : Conv(in, out, std::move(kernel), std::move(stride), {0, padding.at(1), padding.at(2)}, true,
           options),
      time_pad_(2 * padding.at(0)) {
  if (layout && time_pad_ > 0) slot_ = layout->take();
}

std::shared_ptr<WanCausalConv3d> WanCausalConv3d::cube(int64_t in, int64_t out,
                                                       WanCacheLayout* layout,
                                                       const torch::TensorOptions& options) {
  return std::make_shared<WanCausalConv3d>(in, out, std::vector<int64_t>{3, 3, 3},
                                           std::vector<int64_t>{1, 1, 1},
                                           std::vector<int64_t>{1, 1, 1}, layout, options);
}

std::shared_ptr<WanCausalConv3d> WanCausalConv3d::pointwise(int64_t in, int64_t out,
                                                            const torch::TensorOptions& options) {
  return std::make_shared<WanCausalConv3d>(in, out, std::vector<int64_t>{1, 1, 1},
                                           std::vector<int64_t>{1, 1, 1},
                                           std::vector<int64_t>{0, 0, 0}, nullptr, options);
}

torch::Tensor WanCausalConv3d::forward(const torch::Tensor& x, const torch::Tensor& history) const {
  torch::Tensor input = x;
  int64_t zero_frames = time_pad_;
  if (history.defined() && time_pad_ > 0) {
    input = torch::cat({history.to(x.device()), x}, 2);
    zero_frames -= history.size(2);
  }
  if (zero_frames > 0) input = torch::constant_pad_nd(input, {0, 0, 0, 0, zero_frames, 0});
  return Conv::forward(input);
}

torch::Tensor WanCausalConv3d::forward(const torch::Tensor& x, WanVaeState& state) const {
  if (slot_ < 0) return forward(x, torch::Tensor());
  WanCacheSlot& cache = state.slot(slot_);
  torch::Tensor next = ditstream::wan_next_cache(x, cache.frames);
  torch::Tensor out = forward(x, cache.frames);
  cache.frames = std::move(next);
  return out;
}

}  // namespace ditstream
