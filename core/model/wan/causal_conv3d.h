#pragma once
// WanCausalConv3d: a Conv3d (keys `weight`, `bias`) whose time axis is padded on the past side
// only (2 * padding_t frames), with cached frames of the previous call standing in for that zero
// padding; spatial padding is symmetric. Modules stay stateless: the per-stream caches live in a
// caller-owned WanVaeState.

#include "core/model/layers.h"

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace ditstream {

// One cache slot of the Wan VAE's feature cache (diffusers' `feat_cache[i]`).
struct WanCacheSlot {
  torch::Tensor frames;  // the last <= 2 input frames of the slot's conv; undefined = none yet
  bool rep = false;      // diffusers' "Rep" marker: an upsample3d time conv after its first call
};

// The feature cache of one encode or one decode stream. Empty = a fresh stream; the model sizes
// it on first use.
struct WanVaeState {
  std::vector<WanCacheSlot> slots;

  void reset() { slots.clear(); }
  WanCacheSlot& slot(int64_t index);
  int64_t cached_tensors() const;   // defined tensors over all slots
  int64_t cached_elements() const;  // their total element count
};

// Hands out cache slots in construction order, which equals call order in forward().
class WanCacheLayout {
 public:
  int64_t take() { return count_++; }
  int64_t count() const { return count_; }

 private:
  int64_t count_ = 0;
};

// The cache update of diffusers' causal convs: the last 2 frames of the conv input, preceded by
// the previous cache's last frame when the input has a single frame.
torch::Tensor wan_next_cache(const torch::Tensor& input, const torch::Tensor& previous);

class WanCausalConv3d : public Conv {
 public:
  // A non-null `layout` gives the conv a cache slot (only when its time padding is non-zero).
  WanCausalConv3d(int64_t in, int64_t out, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                  std::vector<int64_t> padding, WanCacheLayout* layout,
                  const torch::TensorOptions& options);
  // The common shapes: 3x3x3 with padding 1 (takes a slot when `layout` is given), and 1x1x1.
  static std::shared_ptr<WanCausalConv3d> cube(int64_t in, int64_t out, WanCacheLayout* layout,
                                               const torch::TensorOptions& options);
  static std::shared_ptr<WanCausalConv3d> pointwise(int64_t in, int64_t out,
                                                    const torch::TensorOptions& options);
  // `history` (undefined = none) is prepended in time; zeros fill the rest of the 2 * p_t frames.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& history) const;
  // Uses and updates the conv's slot in `state`; without a slot, plain zero padding.
  torch::Tensor forward(const torch::Tensor& x, WanVaeState& state) const;
  torch::Tensor forward(const torch::Tensor& x) const { return forward(x, torch::Tensor()); }
  int64_t slot() const { return slot_; }

 private:
  int64_t time_pad_;
  int64_t slot_ = -1;
};

}  // namespace ditstream
