#include "core/parallel/cfg_ulysses.h"

#include "core/parallel/call_transport.h"
#include "core/parallel/rank_mask_relay.h"
#include "core/parallel/row_split.h"
#include "core/parallel/ulysses.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {

BranchRank branch_rank(int rank, int world_size) {
  if (world_size < 4 || world_size % 2 != 0)
    throw std::invalid_argument(
        "parallel=cfg+ulysses needs an even world size of at least 4, got " +
        std::to_string(world_size));
  const int size = world_size / 2;
  return {rank / size, rank % size, size};
}

CfgUlyssesForward::CfgUlyssesForward(std::shared_ptr<const VideoTransformer> transformer,
                                     std::shared_ptr<RankGroup> world,
                                     std::shared_ptr<RankGroup> branch)
    : transformer_(std::move(transformer)), world_(std::move(world)), branch_(std::move(branch)) {
  if (world_->rank() != 0 || branch_->rank() != 0)
    throw std::invalid_argument("CfgUlyssesForward runs on rank 0");
}

torch::Tensor CfgUlyssesForward::run(const ForwardCall& call) const {
  const int m = branch_->world_size();
  const bool split =
      !output_rows(call, BatchRole::Uncond).empty() && !output_rows(call, BatchRole::Cond).empty();
  const ForwardCall here = split ? rows_of_role(call, BatchRole::Cond) : call;
  std::optional<ForwardCall> away;
  if (split) away = rows_of_role(call, BatchRole::Uncond);
  for (int rank = m; away && rank < 2 * m; ++rank) send_call(*world_, *away, rank);
  for (int rank = 1; rank < m; ++rank) send_call(*world_, here, rank);
  RankMaskRelay relay(*world_, m);  // mask-guided: the unconditional branch's rank 0
  const auto mine = run_forward_sharded(*transformer_, here, *branch_, &relay);
  if (!split) return mine;
  return merge_branches(call, mine, recv_prediction(*world_, *away, m));
}

torch::Tensor CfgUlyssesForward::run_chunk(const ChunkCall& call, RollingKvCache& cache) const {
  for (int rank = 1; rank < branch_->world_size(); ++rank)
    send_chunk(*world_, {call, cache.id(), cache.options()}, rank);
  return run_chunk_sharded(*transformer_, call, cache, *branch_);
}

}  // namespace ditstream
