#pragma once
// CFG-parallel over Ulysses (parallel=cfg+ulysses, 2M ranks): ranks [0, M) run a forward's
// conditional rows and ranks [M, 2M) its unconditional ones, each branch sharded over its M ranks
// (a subgroup of its own); rank M returns its branch's prediction to rank 0. Mask-guided, the
// conditional rank at each position relays its masks to the unconditional rank at it.

#include "core/parallel/forward_call.h"
#include "core/parallel/rank_group.h"

#include <memory>
#include <string>

namespace ditstream {

// The branch (0: conditional, 1: unconditional) of `rank` in a world of `world_size`, its
// position in the branch, and the branch's subgroup name.
struct BranchRank {
  int branch = 0;
  int position = 0;
  int size = 1;
  std::string group_name() const { return "branch" + std::to_string(branch); }
  // The world rank at this position in the other branch (mask-guided masks travel between them).
  int peer() const { return branch == 0 ? size + position : position; }
};
BranchRank branch_rank(int rank, int world_size);

class CfgUlyssesForward : public ForwardExecutor {
 public:
  // `world` is rank 0 of all ranks, `branch` rank 0 of the conditional branch's subgroup.
  CfgUlyssesForward(std::shared_ptr<const VideoTransformer> transformer,
                    std::shared_ptr<RankGroup> world, std::shared_ptr<RankGroup> branch);
  torch::Tensor run(const ForwardCall& call) const override;
  // No CFG on the causal path: Ulysses over the conditional branch alone.
  torch::Tensor run_chunk(const ChunkCall& call, RollingKvCache& cache) const override;

 private:
  std::shared_ptr<const VideoTransformer> transformer_;
  std::shared_ptr<RankGroup> world_, branch_;
};

}  // namespace ditstream
