#pragma once
// CFG-parallel's split of a forward: the rows of one role as a call of their own, and the merge
// of the branches' predictions. KV-sharing pairs
// stay within a branch (ditctrl-spec §4), so no K/V crosses the split.

#include "core/parallel/forward_call.h"

#include <vector>

namespace ditstream {

// The output rows (after any fork) that hold `role`, in order.
std::vector<int64_t> output_rows(const ForwardCall& call, BatchRole role);

// The call's rows of `role`, with the fork and the control's layout renumbered; mask-guided, the
// conditional part relays its masks to the unconditional one (mask_relay.h), whose pairs name
// mask rows in the conditional part's numbering. Throws when a KV-sharing pair spans both roles.
ForwardCall rows_of_role(const ForwardCall& call, BatchRole role);

// Whether the call's part relays mask-guided masks with the other branch's rank.
bool relays_masks(const ForwardCall& part);

// The call's whole prediction from its branches' predictions, rows in the call's output order.
torch::Tensor merge_branches(const ForwardCall& call, const torch::Tensor& cond,
                             const torch::Tensor& uncond);

}  // namespace ditstream
