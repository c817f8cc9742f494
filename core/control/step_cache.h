#pragma once
// An opt-in step cache in the spirit of First-Block-Cache (ParaAttention) and TeaCache: after the
// first block of a forward, if that block's residual moved less than `threshold` (mean absolute
// change relative to its mean magnitude) since the last step the whole model ran, the other
// blocks are skipped and their residual from that step is added instead. Approximate by design;
// off unless a threshold > 0 is set. One cache serves one window's passes of one batch layout
// (a stream window keeps one for its plain forwards and one for its KV-sharing ones).

#include "core/model/block_cache.h"

#include <torch/types.h>

#include <cstdint>

namespace ditstream {

class FirstBlockCache : public BlockCache {
 public:
  explicit FirstBlockCache(double threshold);

  torch::Tensor reuse(const torch::Tensor& input, const torch::Tensor& first) override;
  void store(const torch::Tensor& input, const torch::Tensor& first,
             const torch::Tensor& rest) override;

  int64_t hits() const { return hits_; }
  double last_change() const { return last_change_; }

 private:
  double threshold_;
  torch::Tensor first_residual_;  // block 0's output - input, at the last full forward
  torch::Tensor rest_residual_;   // what the other blocks added then
  int64_t hits_ = 0;
  double last_change_ = -1.0;
};

}  // namespace ditstream
