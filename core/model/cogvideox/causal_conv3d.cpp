#include "core/model/cogvideox/causal_conv3d.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {

CausalConv3d::CausalConv3d(int64_t in, int64_t out, int64_t kernel, CacheSlots& slots,
                           const torch::TensorOptions& options)
    : time_pad_(kernel - 1) {
  const int64_t space_pad = kernel / 2;
  conv_ = register_module(
      "conv", std::make_shared<Conv>(in, out, std::vector<int64_t>{kernel, kernel, kernel},
                                     std::vector<int64_t>{1, 1, 1},
                                     std::vector<int64_t>{0, space_pad, space_pad}, true, options));
  if (time_pad_ > 0) slot_ = slots.take();
}

torch::Tensor CausalConv3d::pad_time(const torch::Tensor& x, DecoderState& state) const {
  if (static_cast<int64_t>(state.conv_caches.size()) <= slot_)
    throw std::runtime_error("CausalConv3d: decoder state has no cache slot " +
                             std::to_string(slot_));
  torch::Tensor& cache = state.conv_caches[slot_];
  torch::Tensor front =
      cache.defined() ? cache : x.narrow(2, 0, 1).expand({-1, -1, time_pad_, -1, -1});
  torch::Tensor padded = torch::cat({front, x}, 2);
  // clone: a view would keep the whole padded input alive between chunks.
  cache = padded.narrow(2, padded.size(2) - time_pad_, time_pad_).clone();
  return padded;
}

torch::Tensor CausalConv3d::forward(const torch::Tensor& x, DecoderState& state) const {
  if (time_pad_ == 0) return conv_->forward(x);
  return conv_->forward(pad_time(x, state));
}

torch::Tensor CausalConv3d::forward(const torch::Tensor& x) const {
  if (time_pad_ != 0) throw std::logic_error("CausalConv3d: a kernel > 1 needs a DecoderState");
  return conv_->forward(x);
}

}  // namespace ditstream
