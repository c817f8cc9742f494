#pragma once
// Mask-guided KV-sharing with a forward's branches on two ranks (parallel=cfg): the
// unconditional pairs read the conditional rows' subject masks (ditctrl-spec §5.3), so at each
// gated call the conditional rank sends the masks it computed and the unconditional rank, which
// holds none of the mask rows, receives them. Masks are computed once, on one rank.

#include <torch/types.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace ditstream {

struct MaskRelaySpec {
  enum class Role { None, Send, Receive };
  Role role = Role::None;
  // The sender's mask rows (source, target) whose masks travel, in this order; a receiving
  // rank's pairs name these rows (the sender's numbering) as their mask rows.
  std::vector<std::pair<int64_t, int64_t>> groups;
};

// The channel (core/parallel/rank_mask_relay.h); the same number of calls on both sides.
class MaskRelay {
 public:
  virtual ~MaskRelay() = default;
  // bool (groups, 2, frames, tokens_per_frame): each group's source and target masks.
  virtual void send(const torch::Tensor& masks) = 0;
  virtual torch::Tensor receive(at::IntArrayRef sizes) = 0;
};

}  // namespace ditstream
