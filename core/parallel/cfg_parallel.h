#pragma once
// CFG-parallel (xDiT's best single strategy for CogVideoX): rank 0 runs a forward's conditional
// rows, rank 1 its unconditional ones, at the same time; only the predictions travel back. Exact:
// every row sees what it would see in one batch (KV-sharing pairs stay within a branch).

#include "core/parallel/forward_call.h"
#include "core/parallel/rank_group.h"

#include <memory>

namespace ditstream {

class CfgParallelForward : public ForwardExecutor {
 public:
  // `group` is rank 0 of a group of two, rank 1 serving forwards (forward_worker.h).
  CfgParallelForward(std::shared_ptr<const VideoTransformer> transformer,
                     std::shared_ptr<RankGroup> group);
  torch::Tensor run(const ForwardCall& call) const override;
  // No CFG on the causal path: here.
  torch::Tensor run_chunk(const ChunkCall& call, RollingKvCache& cache) const override {
    return run_chunk_here(*transformer_, call, cache);
  }

 private:
  std::shared_ptr<const VideoTransformer> transformer_;
  std::shared_ptr<RankGroup> group_;
};

// Rank 1's side: runs each call rank 0 sends and replies, until rank 0 stops. Returns the number
// of calls served.
int64_t serve_forwards(RankGroup& group, const VideoTransformer& transformer);

}  // namespace ditstream
