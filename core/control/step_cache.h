#pragma once
// An opt-in step cache in the spirit of First-Block-Cache (ParaAttention) and TeaCache: after the
// first block of a forward, if that block's residual moved less than `threshold` (mean absolute
// change relative to its mean magnitude) since the last step the whole model ran, the other
// blocks are skipped. What they would add is extrapolated, as in TaylorSeer's first order, from
// the last two full forwards: their residual plus its change per step between them, for one step
// past the last (later hits keep that value; after one full forward, its residual as it was).
// Approximate by design; off unless a threshold > 0 is set. One cache serves one window's passes
// of one batch layout (a stream window keeps one for its plain forwards and one for its
// KV-sharing ones).

#include "core/model/block_cache.h"

#include <torch/types.h>

#include <cstdint>

namespace ditstream {

class FirstBlockCache : public BlockCache {
 public:
  explicit FirstBlockCache(double threshold);

  torch::Tensor reuse(const torch::Tensor& input, const torch::Tensor& first,
                      int64_t step) override;
  void store(const torch::Tensor& input, const torch::Tensor& first, const torch::Tensor& rest,
             int64_t step) override;

  int64_t hits() const { return hits_; }
  double last_change() const { return last_change_; }

 private:
  torch::Tensor extrapolated(int64_t step) const;

  double threshold_;
  torch::Tensor first_residual_;  // block 0's output - input, at the last full forward
  torch::Tensor rest_residual_;   // what the other blocks added then
  torch::Tensor rest_slope_;      // its change per step since the full forward before
  int64_t stored_step_ = 0;       // the step of the last full forward
  int64_t hits_ = 0;
  double last_change_ = -1.0;
};

}  // namespace ditstream
