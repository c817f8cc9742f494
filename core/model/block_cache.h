#pragma once
// A hook on the transformer's block loop for step caches (core/control/step_cache.h): after the
// first block, a cache may hand back what the other blocks add, and they are skipped.

#include "core/model/attention_control.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ditstream {

class BlockCache {
 public:
  virtual ~BlockCache() = default;
  // At denoising step `step`, `input` entered block 0 and `first` left it. Returns what the
  // remaining blocks add to block 0's output (rows as after any batch fork), to use instead of
  // running them, or an undefined tensor to run them.
  virtual torch::Tensor reuse(const torch::Tensor& input, const torch::Tensor& first,
                              int64_t step) = 0;
  // After a full forward at `step`: block 0's input and output and what the remaining blocks
  // added.
  virtual void store(const torch::Tensor& input, const torch::Tensor& first,
                     const torch::Tensor& rest, int64_t step) = 0;
};

// Drives a cache (may be null) through one forward of the block loop. With a batch fork after
// block 0 (a KV-sharing step) block 0's output continues as the forked rows; a fork before
// block 0 changes block 0's rows, so no cache runs then.
class BlockCacheRun {
 public:
  BlockCacheRun(BlockCache* cache, torch::Tensor input, const BatchFork& fork, int64_t step)
      : cache_(fork.active() && fork.layer == 0 ? nullptr : cache),
        input_(std::move(input)),
        fork_(fork),
        step_(step) {}
  // After block `layer` produced `hidden`; true when the remaining blocks are to be skipped
  // (`hidden` then holds the cached final state, and `forked`, per-row tensors the skipped blocks
  // would have forked, their rows after the fork).
  bool skip_rest(int64_t layer, torch::Tensor& hidden, std::vector<torch::Tensor*> forked = {});
  // After the last block ran.
  void finish(const torch::Tensor& last);

 private:
  torch::Tensor continued(const torch::Tensor& first) const;

  BlockCache* cache_;
  torch::Tensor input_, first_;
  const BatchFork& fork_;
  int64_t step_;
};

}  // namespace ditstream
