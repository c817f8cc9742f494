#include "core/parallel/cfg_parallel.h"

#include "core/parallel/call_transport.h"
#include "core/parallel/row_split.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {
namespace {

constexpr int kUncondRank = 1;

}  // namespace

CfgParallelForward::CfgParallelForward(std::shared_ptr<const VideoTransformer> transformer,
                                       std::shared_ptr<RankGroup> group)
    : transformer_(std::move(transformer)), group_(std::move(group)) {
  if (group_->rank() != 0 || group_->world_size() != 2)
    throw std::invalid_argument("parallel=cfg runs on rank 0 of exactly two ranks");
}

torch::Tensor CfgParallelForward::run(const ForwardCall& call) const {
  if (output_rows(call, BatchRole::Uncond).empty() || output_rows(call, BatchRole::Cond).empty())
    return run_forward_here(*transformer_, call);
  const ForwardCall away = rows_of_role(call, BatchRole::Uncond);
  send_call(*group_, away, kUncondRank);
  torch::Tensor here;
  try {
    here = run_forward_here(*transformer_, rows_of_role(call, BatchRole::Cond));
  } catch (...) {  // e.g. a cancelled forward: take the reply all the same, so the next call's
    recv_prediction(*group_, away, kUncondRank);  // exchange stays in step
    throw;
  }
  return merge_branches(call, here, recv_prediction(*group_, away, kUncondRank));
}

int64_t serve_forwards(RankGroup& group, const VideoTransformer& transformer) {
  int64_t served = 0;
  for (; auto call = recv_call(group, 0); ++served)
    send_prediction(group, run_forward_here(transformer, *call), 0);
  return served;
}

}  // namespace ditstream
