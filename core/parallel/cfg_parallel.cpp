#include "core/parallel/cfg_parallel.h"

#include "core/model/forward_cancellation.h"
#include "core/parallel/call_transport.h"
#include "core/parallel/rank_mask_relay.h"
#include "core/parallel/row_split.h"

#include <torch/torch.h>

#include <optional>
#include <stdexcept>

namespace ditstream {
namespace {

constexpr int kUncondRank = 1;

// This rank's branch of a forward; a mask-guided one relays masks with `peer` and runs to its end
// (the peer waits for each gated call's masks).
torch::Tensor run_branch(const VideoTransformer& transformer, const ForwardCall& call,
                         RankGroup& group, int peer) {
  RankMaskRelay relay(group, peer);
  const auto control = make_attention_control(call.control, &relay);
  std::optional<ForwardCancellation> uninterruptible;
  if (relays_masks(call)) uninterruptible.emplace(nullptr);
  return run_forward_here(transformer, call, control.get());
}

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
    here = run_branch(*transformer_, rows_of_role(call, BatchRole::Cond), *group_, kUncondRank);
  } catch (...) {  // a cancelled forward: take the reply all the same, so the next call's
    // exchange stays in step (a relaying forward is not cancelled; its failure ends the stream)
    if (!relays_masks(away)) recv_prediction(*group_, away, kUncondRank);
    throw;
  }
  return merge_branches(call, here, recv_prediction(*group_, away, kUncondRank));
}

int64_t serve_forwards(RankGroup& group, const VideoTransformer& transformer) {
  int64_t served = 0;
  for (; auto call = recv_call(group, 0); ++served)
    send_prediction(group, run_branch(transformer, *call, group, 0), 0);
  return served;
}

}  // namespace ditstream
