#pragma once
// One chunk of causal few-step generation (reference §5.3): each step predicts the flow through
// the rolling K/V cache, takes x0 and re-noises it to the next step's sigma with fresh noise; the
// chunk's clean latents then go through one t = 0 forward whose K/V replace the chunk's (the
// cache pass): steps + 1 forwards per chunk. Also the KV-recache pass of a prompt switch (§6.2).

#include "core/control/rolling_kv_cache.h"
#include "core/model/video_transformer.h"
#include "core/parallel/forward_call.h"
#include "core/sampling/few_step_schedule.h"

#include <torch/types.h>

#include <functional>
#include <memory>
#include <vector>

namespace ditstream {

struct ChunkNoise {
  torch::Tensor initial;               // (B, F, C, h, w): the chunk's start
  std::vector<torch::Tensor> renoise;  // one per step after the first, each like `initial`
};

struct ChunkCallbacks {
  // x the step's input, v the prediction, x0 the clean estimate; all (B, F, C, h, w).
  std::function<void(int64_t step, const torch::Tensor& x, const torch::Tensor& v,
                     const torch::Tensor& x0)>
      on_step;
  std::function<void(const torch::Tensor& output)> on_cache_pass;
  std::function<bool()> cancelled;  // checked before every forward; throws SamplingCancelled
};

class CausalDenoiser {
 public:
  // `forwards` runs each forward (here, or sharded over ranks).
  CausalDenoiser(std::shared_ptr<const ForwardExecutor> forwards, RollingKvCache& cache,
                 FewStepSchedule schedule);

  // Chunk [first_frame, first_frame + F) under text (1, L, D); returns its clean latents.
  torch::Tensor denoise(int64_t first_frame, const torch::Tensor& text, const ChunkNoise& noise,
                        const ChunkCallbacks& callbacks = {}) const;
  // One t = 0 pass over `latents`, the newest frames of the stream starting at `first_frame`,
  // under `text`: bidirectional over them, rewriting their K/V (every row zeroed first and the
  // sink's rewritten too unless keep_sink; layers from keep_layers_from on keep theirs). Returns
  // the pass's output.
  torch::Tensor recache(const torch::Tensor& latents, int64_t first_frame,
                        const torch::Tensor& text, bool keep_sink,
                        int64_t keep_layers_from = -1) const;
  const FewStepSchedule& schedule() const { return schedule_; }

 private:
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& text, double t,
                        const CacheForward& where, int64_t step, bool zero_rows = false) const;

  std::shared_ptr<const ForwardExecutor> forwards_;
  RollingKvCache& cache_;
  FewStepSchedule schedule_;
};

}  // namespace ditstream
