#pragma once
// One transformer forward of a stream as data: the batch rows, their roles, the timestep, the
// attention control that shapes it, a fork and an anchor; and one forward of the causal path. A
// ForwardExecutor decides where they run: all in this process (LocalForward), or over ranks by
// guidance branch (cfg_parallel.h), by token slice (ulysses.h) or both (cfg_ulysses.h).

#include "core/control/anchor_attention.h"
#include "core/control/control_spec.h"
#include "core/control/rolling_kv_cache.h"
#include "core/model/attention_control.h"

#include <torch/types.h>

#include <memory>
#include <optional>
#include <vector>

namespace ditstream {

class VideoTransformer;

struct ForwardCall {
  torch::Tensor latents;  // (B, F, C, h, w), the rows before any fork
  torch::Tensor text;     // (B, L, D)
  std::vector<BatchRole> roles;
  double t = 0.0;
  int64_t step = 0;
  ControlSpec control;
  BatchFork fork;
  std::optional<AnchorStep> anchor;  // every row reads it at its layers
};

// One forward of the causal path against a rolling KV cache: a denoising step, the cache pass
// or a recache of a chunk (one row; distilled causal models run without CFG).
struct ChunkCall {
  torch::Tensor latents;  // (1, F, C, h, w)
  torch::Tensor text;     // (1, L, D)
  double t = 0.0;
  int64_t step = 0;
  CacheForward where;
  bool zero_rows = false;  // zero the cache's rows first (a recache that rewrites the sink)
};

class ForwardExecutor {
 public:
  virtual ~ForwardExecutor() = default;
  // The prediction (rows after any fork, F, C, h, w) in fp32.
  virtual torch::Tensor run(const ForwardCall& call) const = 0;
  // The prediction (1, F, C, h, w) in the model's dtype; `cache` is this process's.
  virtual torch::Tensor run_chunk(const ChunkCall& call, RollingKvCache& cache) const = 0;
};

// `control` (e.g. a K/V recorder) is used instead of the call's; `cache` is a step cache.
torch::Tensor run_forward_here(const VideoTransformer& transformer, const ForwardCall& call,
                               AttentionControl* control = nullptr, BlockCache* cache = nullptr);
// `control` (e.g. Ulysses' exchange) wraps `cache` when given.
torch::Tensor run_chunk_here(const VideoTransformer& transformer, const ChunkCall& call,
                             RollingKvCache& cache, AttentionControl* control = nullptr);

class LocalForward : public ForwardExecutor {
 public:
  explicit LocalForward(std::shared_ptr<const VideoTransformer> transformer)
      : transformer_(std::move(transformer)) {}
  torch::Tensor run(const ForwardCall& call) const override {
    return run_forward_here(*transformer_, call);
  }
  torch::Tensor run_chunk(const ChunkCall& call, RollingKvCache& cache) const override {
    return run_chunk_here(*transformer_, call, cache);
  }

 private:
  std::shared_ptr<const VideoTransformer> transformer_;
};

}  // namespace ditstream
