#pragma once
// CFG-parallel's split of a forward: the rows of one role as a call of their own, and the merge
// of the branches' predictions. KV-sharing pairs
// stay within a branch (ditctrl-spec §4), so no K/V crosses the split.

#include "core/parallel/forward_call.h"

#include <vector>

namespace ditstream {

// The output rows (after any fork) that hold `role`, in order.
std::vector<int64_t> output_rows(const ForwardCall& call, BatchRole role);

// The call's rows of `role`, with the fork and the control's layout renumbered. Throws when a
// KV-sharing pair (or, mask-guided, its mask rows) spans both roles.
ForwardCall rows_of_role(const ForwardCall& call, BatchRole role);

// The call's whole prediction from its branches' predictions, rows in the call's output order.
torch::Tensor merge_branches(const ForwardCall& call, const torch::Tensor& cond,
                             const torch::Tensor& uncond);

}  // namespace ditstream
