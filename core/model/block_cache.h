#pragma once
// A hook on the transformer's block loop for step caches (core/control/step_cache.h): after the
// first block, a cache may hand back the final hidden state and the other blocks are skipped.

#include <torch/types.h>

#include <cstdint>

namespace ditstream {

class BlockCache {
 public:
  virtual ~BlockCache() = default;
  // `input` entered block 0, `first` left it. Returns the hidden state after the last block to
  // use instead of running the others, or an undefined tensor to run them.
  virtual torch::Tensor reuse(const torch::Tensor& input, const torch::Tensor& first) = 0;
  // After a full forward: block 0's input and output and the last block's output.
  virtual void store(const torch::Tensor& input, const torch::Tensor& first,
                     const torch::Tensor& last) = 0;
};

// Drives a cache (may be null) through one forward of the block loop.
class BlockCacheRun {
 public:
  BlockCacheRun(BlockCache* cache, torch::Tensor input) : cache_(cache), input_(std::move(input)) {}
  // After block `layer` produced `hidden`; true when the remaining blocks are to be skipped
  // (`hidden` then holds the cached final state).
  bool skip_rest(int64_t layer, torch::Tensor& hidden);
  // After the last block ran.
  void finish(const torch::Tensor& last);

 private:
  BlockCache* cache_;
  torch::Tensor input_, first_;
};

}  // namespace ditstream
