#pragma once
// CogVideoXCausalConv3d: a Conv3d (key `conv`) whose time axis is padded on the front by k - 1
// frames, taken from the layer's cache or, on a stream's first chunk, copied from frame 0.

#include "core/model/layers.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>
#include <vector>

namespace ditstream {

// Per-stream causal-conv caches of one decoder, owned by the caller (modules stay stateless).
// Slot i belongs to the causal conv constructed with slot index i; an undefined slot means
// "first chunk of the stream".
struct DecoderState {
  std::vector<torch::Tensor> conv_caches;

  void reset() { conv_caches.clear(); }
};

// Hands out cache slots in construction order.
class CacheSlots {
 public:
  int64_t take() { return count_++; }
  int64_t count() const { return count_; }

 private:
  int64_t count_ = 0;
};

class CausalConv3d : public torch::nn::Module {
 public:
  // kernel 1 is a plain pointwise conv and takes no cache slot.
  CausalConv3d(int64_t in, int64_t out, int64_t kernel, CacheSlots& slots,
               const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, DecoderState& state) const;
  // For kernel-1 instances only (no state involved).
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  torch::Tensor pad_time(const torch::Tensor& x, DecoderState& state) const;

  std::shared_ptr<Conv> conv_;
  int64_t time_pad_;
  int64_t slot_ = -1;
};

}  // namespace ditstream
